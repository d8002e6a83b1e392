using Shinsa.Grains;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Ingestion.Uke;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Storage;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>
/// In cluster mode every silo adds its shards' checkpointed cell changes to the same totals in PostgreSQL and reads the
/// totals back (<see cref="CellTotals"/>): the totals changed since its last read, with the checkpoint positions they
/// include. A checkpoint written here is kept apart until a read includes it, so whatever the order of checkpoints and
/// reads, every cell counts once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterCellTotalsTests(PostgresServer server) : IDisposable
{
    public void Dispose() => Npgsql.NpgsqlConnection.ClearAllPools();

    private static readonly Dictionary<int, List<Receipt>> Files = new();

    private static List<Receipt> FileReceipts(int variant)
    {
        lock (Files)
            return Files.TryGetValue(variant, out var known) ? known
                : Files[variant] = UkeParser.Parse(SampleReplicator.MakeVariant(TestFiles.SampleUkeBytes(), variant), "f").Receipts.ToList();
    }

    private static KpiCounters Sum(CellTotals totals, params Shard[] live)
    {
        var sum = default(KpiCounters);
        totals.Visit(live, (kpis, _) => sum += kpis.Sum(Months.All, _ => true));
        return sum;
    }

    [Fact]
    public void A_read_returns_every_total_then_only_those_written_since_with_the_positions_they_include()
    {
        using var store = new PostgresLogStore(server.NewDatabase());
        store.Initialize(2);
        Shard[] shards = [new(0, store, 1000, ReferenceMasters.Empty, review: false), new(1, store, 1000, ReferenceMasters.Empty, review: false)];
        long seq = 0;
        void ApplyFile(Shard shard, int variant)
        {
            foreach (var r in FileReceipts(variant)) shard.Apply(++seq, new ReceiptArrived(r));
            shard.Checkpoint();
        }
        HashSet<string> Providers(IEnumerable<CellDelta> cells) => cells.Select(c => GrainCodec.DecodeKpiKey(c.Key).ProviderCode).ToHashSet();
        HashSet<string> ProvidersOf(params int[] variants) => variants.Select(v => FileReceipts(v)[0].Key.ProviderCode).ToHashSet();

        ApplyFile(shards[0], 1);
        ApplyFile(shards[1], 2);
        var first = store.ReadTotalsChanges(0);
        Assert.Equal(ProvidersOf(1, 2), Providers(first.Kpis));
        Assert.Equal(new Dictionary<int, long> { [0] = shards[0].CheckpointSeq, [1] = shards[1].CheckpointSeq }, first.Checkpoints);
        // A read starts after the oldest transaction still running anywhere on the server, so it can return rows already
        // read again (whole values); once nothing older runs, a read with nothing written since returns nothing.
        var settled = Settled(store, first.Next);

        ApplyFile(shards[1], 3);
        ApplyFile(shards[1], 1); // the same provider's cells, now from shard 1 as well: added to
        var second = store.ReadTotalsChanges(settled.Next);
        Assert.Equal(ProvidersOf(1, 3), Providers(second.Kpis));
        Assert.Equal(seq, second.Checkpoints[1]);
        // Whole values: file 1 twice.
        var file1 = FileReceipts(1);
        Assert.Equal(2L * file1.Count, second.Kpis.Select(c => KpiCounters.FromValues(c.Values)).Where((_, i) =>
            GrainCodec.DecodeKpiKey(second.Kpis[i].Key).ProviderCode == file1[0].Key.ProviderCode).Sum(c => c.Receipts));
        Settled(store, second.Next);
    }

    /// <summary>Reads from <paramref name="since"/> on until a read returns no totals; that read's position is past every row written before.</summary>
    private static TotalsChanges Settled(PostgresLogStore store, ulong since)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var read = store.ReadTotalsChanges(since);
            if (read.Kpis.Count == 0 && read.Measures.Count == 0) return read;
            Assert.True(DateTime.UtcNow < deadline, $"totals written before position {since} are still read 30 s later");
            since = read.Next;
            Thread.Sleep(50);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Two_silos_checkpointing_and_reading_in_any_order_count_every_receipt_once(int seed)
    {
        using var store = new PostgresLogStore(server.NewDatabase());
        store.Initialize(2);
        // Silo A serves shard 0, silo B shard 1; each keeps its own totals over the one store.
        CellTotals[] totals = [new(shared: true), new(shared: true)];
        Shard[] shards = [new(0, store, 1000, ReferenceMasters.Empty, review: true, totals: totals[0]),
            new(1, store, 1000, ReferenceMasters.Empty, review: true, totals: totals[1])];
        var random = new Random(seed);
        long seq = 0;
        var applied = new[] { new List<List<Receipt>>(), new List<List<Receipt>>() };
        long Live(int s) => applied[s].Sum(f => f.Count);
        // Each shard's receipts as of each of its checkpoints: what a silo reading the other's checkpoint counts of it.
        var atCheckpoint = new[] { new Dictionary<long, long> { [0] = 0 }, new Dictionary<long, long> { [0] = 0 } };
        var reads = 0;
        // At times a transaction elsewhere on the server stays open across steps: reads meanwhile return rows they read
        // before again, which must not count twice.
        using var elsewhere = new Npgsql.NpgsqlConnection(server.ConnectionString);
        elsewhere.Open();
        Npgsql.NpgsqlTransaction? running = null;
        for (var step = 0; step < 60; step++)
        {
            if (running is null && random.Next(5) == 0)
            {
                running = elsewhere.BeginTransaction();
                using var takeId = new Npgsql.NpgsqlCommand("SELECT pg_current_xact_id()", elsewhere, running);
                takeId.ExecuteScalar();
            }
            else if (running is not null && random.Next(4) == 0)
            {
                running.Commit();
                running = null;
            }
            var s = random.Next(2);
            switch (random.Next(4))
            {
                case 0 or 1:
                    // Both shards bill the same few files' providers: their cells are added to from both silos. A file is
                    // applied to a shard once at a time (again, it would replace itself).
                    var fresh = Enumerable.Range(seed * 10, 6).Where(v => !applied[s].Contains(FileReceipts(v))).ToList();
                    if (applied[s].Count > 0 && (fresh.Count == 0 || random.Next(4) == 0))
                    {
                        var gone = applied[s][random.Next(applied[s].Count)];
                        applied[s].Remove(gone);
                        foreach (var r in gone) shards[s].Apply(++seq, new ReceiptWithdrawn(r.Card, r.Key));
                    }
                    else
                    {
                        var file = FileReceipts(fresh[random.Next(fresh.Count)]);
                        applied[s].Add(file);
                        foreach (var r in file) shards[s].Apply(++seq, new ReceiptArrived(r));
                    }
                    break;
                case 2:
                    shards[s].Checkpoint();
                    atCheckpoint[s][shards[s].CheckpointSeq] = Live(s);
                    break;
                default:
                    totals[s].Sync(store);
                    reads++;
                    break;
            }
            // Each silo: its own shard live, the other as of the checkpoint its last read included.
            for (var silo = 0; silo < 2; silo++)
            {
                var other = 1 - silo;
                var expected = Live(silo) + atCheckpoint[other][totals[silo].PositionOf(other)];
                Assert.Equal(expected, Sum(totals[silo], shards[silo]).Receipts);
            }
        }
        Assert.True(reads >= 5);
        running?.Commit();
        // Everything checkpointed and read: both silos answer every cell alike.
        foreach (var shard in shards) shard.Checkpoint();
        foreach (var t in totals) t.Sync(store);
        Assert.Equal(Live(0) + Live(1), Sum(totals[0], shards[0]).Receipts);
        Assert.Equal(Cells(totals[0], shards[0]), Cells(totals[1], shards[1]));
    }

    private static List<string> Cells(CellTotals totals, Shard live)
    {
        var (kpis, measures) = ShardCells.Of(totals, live);
        return ShardCells.Text(kpis, measures);
    }

    [Fact]
    public async Task A_silo_serving_none_of_the_shards_sees_each_checkpoint_move_and_sums_what_the_owners_hold()
    {
        using var store = new PostgresLogStore(server.NewDatabase());
        store.Initialize(2);
        // A cluster host that was never started holds no lease: every shard is served elsewhere.
        var reader = new ClusterHost(store, store, new Hosting.ShinsaOptions { ShardCount = 2, Workers = 1, Storage = "postgres" },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, _ => { }, ReferenceMasters.Empty);
        // The owners: one silo each, so each keeps the totals of its own shard's checkpoints.
        Shard[] owners = [new(0, store, 1000, ReferenceMasters.Empty, review: true), new(1, store, 1000, ReferenceMasters.Empty, review: true)];
        long seq = 0;
        void Owner(int shard, int variant, bool withdraw = false)
        {
            foreach (var r in FileReceipts(variant)) owners[shard].Apply(++seq, withdraw ? new ReceiptWithdrawn(r.Card, r.Key) : new ReceiptArrived(r));
            owners[shard].Checkpoint();
        }
        // The positions a stream compares may be up to 100 ms old: wait for them to move.
        async Task<long[]> Moved(long[] before)
        {
            for (var i = 0; i < 50 && reader.PartialsPositions().SequenceEqual(before); i++) await Task.Delay(20);
            return reader.PartialsPositions();
        }
        void AssertSumsWhatTheOwnersHold()
        {
            var (read, readMeasures) = ShardCells.Sum(reader.ForEachCells);
            var (held, heldMeasures) = ShardCells.Sum(visit =>
            {
                foreach (var owner in owners) owner.Totals.Visit([owner], visit);
            });
            Assert.Equal(ShardCells.Text(held, heldMeasures), ShardCells.Text(read, readMeasures));
            // The review clock and rules come from the checkpoints.
            var partials = new Dictionary<int, byte[]>();
            reader.ForEachPartials((shard, p) => partials[shard] = GrainCodec.EncodeWithoutRows(p));
            Assert.Equal(owners.Select(o => GrainCodec.EncodeWithoutRows(o.Partials)), partials.OrderBy(r => r.Key).Select(r => r.Value));
        }

        var positions = reader.PartialsPositions();
        Assert.Equal([-1, -1], positions);
        Owner(0, 1);
        Owner(1, 2);
        positions = await Moved(positions);
        Assert.Equal([owners[0].CheckpointSeq, owners[1].CheckpointSeq], positions);
        AssertSumsWhatTheOwnersHold(); // the first read: every total

        Owner(0, 3);
        positions = await Moved(positions);
        Assert.Equal([owners[0].CheckpointSeq, owners[1].CheckpointSeq], positions);
        AssertSumsWhatTheOwnersHold(); // the totals changed since

        Owner(0, 1, withdraw: true); // its cells go back to zero
        Owner(1, 4);
        positions = await Moved(positions);
        Assert.Equal([owners[0].CheckpointSeq, owners[1].CheckpointSeq], positions);
        AssertSumsWhatTheOwnersHold();
    }
}
