using Shinsa.Grains.Rollups;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Ingestion.Uke;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Storage;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>
/// A shard past its resident cap drops the least recently used grains, those unchanged since the last checkpoint first
/// (they are in the store as they are); only when too few are unchanged does it checkpoint, then drop the least recently
/// used of all. Either way a dropped grain comes back from the store as it was.
/// </summary>
public sealed class ShardEvictionTests : IDisposable
{
    private readonly string _dir = TestFiles.NewTempDir("shinsa-evict");

    public void Dispose() => TestFiles.DeleteTempDir(_dir);

    [Fact]
    public void The_least_recently_used_unchanged_grain_leaves_first_and_a_changed_one_only_after_a_checkpoint()
    {
        using var store = new SqliteLogStore(Path.Combine(_dir, "shinsa.db"));
        store.Initialize(1);
        // Cap 4: a fifth household makes the shard keep 3, i.e. drop one. Six receipts of six households.
        var shard = new Shard(0, store, 4, ReferenceMasters.Empty, review: false);
        var receipts = UkeParser.Parse(SampleReplicator.MakeVariant(TestFiles.SampleUkeBytes(), 1), "f").Receipts
            .DistinctBy(r => r.Card.Key).Take(6).ToList();
        var (a, b, c, d, e, f) = (receipts[0], receipts[1], receipts[2], receipts[3], receipts[4], receipts[5]);
        long seq = 0;
        void Touch(Receipt r)
        {
            shard.Apply(++seq, new ReceiptArrived(r));
            Thread.Sleep(2); // distinct last-touched times
        }

        foreach (var r in new[] { a, b, c, d }) Touch(r);
        shard.Checkpoint();
        Touch(b);            // b changed since the checkpoint; a is the oldest unchanged
        Touch(e);            // over the cap: a leaves, without a checkpoint
        Assert.False(shard.IsResident(a.Card.Key));
        Assert.All(new[] { b, c, d, e }, r => Assert.True(shard.IsResident(r.Card.Key)));
        Assert.Equal(4, store.LoadCheckpoint(0)!.AppliedSeq);

        Touch(c);
        Touch(d);            // b, e, c, d all changed since the checkpoint, b the least recently used
        Touch(f);            // over the cap again: a checkpoint first (up to d's record), then b leaves
        Assert.False(shard.IsResident(b.Card.Key));
        Assert.All(new[] { c, d, e, f }, r => Assert.True(shard.IsResident(r.Card.Key)));
        Assert.Equal(8, store.LoadCheckpoint(0)!.AppliedSeq);

        // b comes back from the store as it left (its second arrival replaced the first: one receipt).
        Assert.Equal(1, shard.Peek(b.Card.Key)!.ReceiptCount);
        // The eviction's checkpoint came in the middle of a record: its cells wait beside the shard until the next
        // checkpoint adds them to the totals, and count exactly once all along.
        Assert.NotEmpty(shard.Stored);
        Assert.Equal(6, ShardCells.Of(shard).Kpis.Sum(Months.All, _ => true).Receipts);
        shard.Checkpoint();
        Assert.Empty(shard.Stored);
        Assert.Equal(0, shard.Partials.Kpis.Count);
        Assert.Equal(6, ShardCells.Of(shard).Kpis.Sum(Months.All, _ => true).Receipts);
    }
}
