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
/// In cluster mode a silo reads the shards served elsewhere as of their latest checkpoint. It catches up on the KPI and
/// measure cells written since the checkpoint it holds instead of loading each shard's whole history again: whatever
/// the owner applied and checkpointed, the partials caught up must equal a whole load of the same checkpoint.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RemotePartialsTests(PostgresServer server) : IDisposable
{
    public void Dispose() => Npgsql.NpgsqlConnection.ClearAllPools();

    private static List<Receipt> FileReceipts(int variant) =>
        UkeParser.Parse(SampleReplicator.MakeVariant(TestFiles.SampleUkeBytes(), variant), "f").Receipts.ToList();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Partials_caught_up_checkpoint_by_checkpoint_equal_a_whole_load_of_each(int seed)
    {
        using var store = new PostgresLogStore(server.NewDatabase());
        store.Initialize(1);
        // The review on: open findings move measure cells as well as KPI cells.
        var owner = new Shard(0, store, 1000, ReferenceMasters.Empty, review: true);
        var random = new Random(seed);
        var applied = new List<List<Receipt>>();
        long seq = 0;
        ShardPartials? held = null;
        long heldSeq = 0;
        var caughtUp = 0;
        var touched = new HashSet<KpiKey>(); // the KPI cells of the records applied since the last catch-up
        for (var step = 0; step < 10; step++)
        {
            // Files arrive, and some applied file is withdrawn now and then: its cells go back to zero.
            if (applied.Count > 1 && random.Next(3) == 0)
            {
                var file = applied[random.Next(applied.Count)];
                applied.Remove(file);
                foreach (var r in file) owner.Apply(++seq, new ReceiptWithdrawn(r.Card, r.Key));
                touched.UnionWith(file.Select(KpiRollup.KeyOf));
            }
            else
            {
                var file = FileReceipts(seed * 100 + step);
                applied.Add(file);
                foreach (var r in file) owner.Apply(++seq, new ReceiptArrived(r));
                touched.UnionWith(file.Select(KpiRollup.KeyOf));
            }
            owner.Checkpoint();

            var whole = Shard.StoredPartials(store, store.LoadCheckpoint(0)!);
            if (held is null)
            {
                held = Shard.StoredPartials(store, store.LoadCheckpoint(0)!);
                heldSeq = seq;
                touched.Clear();
                continue;
            }
            // Catch up on only some checkpoints: one catch-up may span several of them.
            if (random.Next(3) == 0) continue;
            var changes = store.LoadCheckpointChanges([(0, heldSeq)])[0];
            Assert.Equal(seq, changes.Checkpoint.AppliedSeq);
            Assert.True(Shard.CatchUp(held, changes));
            heldSeq = changes.Checkpoint.AppliedSeq;
            caughtUp++;
            Assert.Equal(GrainCodec.Encode(whole), GrainCodec.Encode(held));
            // What was read is what changed since, not the history: the cells of the files applied or withdrawn since.
            Assert.Equal(touched, changes.KpiCells.Select(c => GrainCodec.DecodeKpiCell(c).Key).ToHashSet());
            touched.Clear();
        }
        Assert.True(caughtUp >= 3);
        Assert.Empty(store.LoadCheckpointChanges([(1, 0)])); // a shard with no checkpoint
    }

    [Fact]
    public void One_read_brings_each_listed_shard_the_cells_written_after_its_own_position()
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
        ApplyFile(shards[0], 1);
        var after0 = seq;
        ApplyFile(shards[1], 2);
        ApplyFile(shards[0], 3);
        var after1 = seq;
        ApplyFile(shards[1], 4);
        ApplyFile(shards[1], 5);

        var changes = store.LoadCheckpointChanges([(0, after0), (1, after1)]);
        HashSet<string> Providers(CheckpointChanges c) => c.KpiCells.Select(b => GrainCodec.DecodeKpiCell(b).Key.ProviderCode).ToHashSet();
        HashSet<string> ProvidersOf(params int[] variants) => variants.Select(v => FileReceipts(v)[0].Key.ProviderCode).ToHashSet();
        Assert.Equal(ProvidersOf(3), Providers(changes[0]));
        Assert.Equal(ProvidersOf(4, 5), Providers(changes[1]));
        Assert.Equal(shards[0].CheckpointSeq, changes[0].Checkpoint.AppliedSeq);
        Assert.Equal(seq, changes[1].Checkpoint.AppliedSeq);
    }

    [Fact]
    public async Task A_silo_serving_none_of_the_shards_sees_each_checkpoint_move_and_sums_what_the_owners_hold()
    {
        using var store = new PostgresLogStore(server.NewDatabase());
        store.Initialize(2);
        // A cluster host that was never started holds no lease: every shard is served elsewhere.
        var reader = new ClusterHost(store, store, new Hosting.ShinsaOptions { ShardCount = 2, Workers = 1, Storage = "postgres" },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, _ => { }, ReferenceMasters.Empty);
        Shard[] owners = [new(0, store, 1000, ReferenceMasters.Empty, review: true), new(1, store, 1000, ReferenceMasters.Empty, review: true)];
        long seq = 0;
        var files = new Dictionary<int, List<Receipt>>();
        void Owner(int shard, int variant, bool withdraw = false)
        {
            var file = files.TryGetValue(variant, out var known) ? known : files[variant] = FileReceipts(variant);
            foreach (var r in file) owners[shard].Apply(++seq, withdraw ? new ReceiptWithdrawn(r.Card, r.Key) : new ReceiptArrived(r));
            owners[shard].Checkpoint();
        }
        // The positions a stream compares may be up to 100 ms old: wait for them to move.
        async Task<long[]> Moved(long[] before)
        {
            for (var i = 0; i < 50 && reader.PartialsPositions().SequenceEqual(before); i++) await Task.Delay(20);
            return reader.PartialsPositions();
        }
        void AssertReadsWhatTheOwnersHold()
        {
            var read = new Dictionary<int, byte[]>();
            reader.ForEachPartials((shard, partials) => read[shard] = GrainCodec.Encode(partials));
            Assert.Equal(owners.Select(o => GrainCodec.Encode(o.Partials)), read.OrderBy(r => r.Key).Select(r => r.Value));
        }

        var positions = reader.PartialsPositions();
        Assert.Equal([-1, -1], positions);
        Owner(0, 1);
        Owner(1, 2);
        positions = await Moved(positions);
        Assert.Equal([owners[0].CheckpointSeq, owners[1].CheckpointSeq], positions);
        AssertReadsWhatTheOwnersHold(); // whole loads

        Owner(0, 3);
        positions = await Moved(positions);
        Assert.Equal([owners[0].CheckpointSeq, owners[1].CheckpointSeq], positions);
        AssertReadsWhatTheOwnersHold(); // shard 0 caught up

        Owner(0, 1, withdraw: true); // its cells go back to zero
        Owner(1, 4);
        positions = await Moved(positions);
        Assert.Equal([owners[0].CheckpointSeq, owners[1].CheckpointSeq], positions);
        AssertReadsWhatTheOwnersHold();
    }
}
