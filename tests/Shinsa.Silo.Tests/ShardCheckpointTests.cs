using Shinsa.Grains;
using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
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
/// A checkpoint adds only the KPI and measure cells' changes to the totals and writes only the 高額療養費 rows and timers
/// that changed since the previous one. Recovery must still give back every one exactly, including a cell that went back
/// to zero or a row removed, and those an older checkpoint kept inside its partials.
/// </summary>
public sealed class ShardCheckpointTests : IDisposable
{
    private readonly string _dir = TestFiles.NewTempDir("shinsa-shard");
    private string DbPath => Path.Combine(_dir, "shinsa.db");

    private static List<Receipt> FileReceipts(int variant) =>
        UkeParser.Parse(SampleReplicator.MakeVariant(TestFiles.SampleUkeBytes(), variant), "f").Receipts.ToList();

    private SqliteLogStore OpenStore()
    {
        var store = new SqliteLogStore(DbPath);
        store.Initialize(1);
        return store;
    }

    /// <summary>A shard as its silo starts it: the store's totals loaded first (<see cref="ActorHost"/> does so for its shards).</summary>
    private static Shard NewShard(ILogStore store)
    {
        var shard = new Shard(0, store, 1000, ReferenceMasters.Empty, review: false);
        shard.Totals.Load(store, store.LoadCheckpoint(0) is { } checkpoint ? new Dictionary<int, long> { [0] = checkpoint.AppliedSeq } : []);
        return shard;
    }

    /// <summary>Every cell a shard's silo answers, as text in a canonical order.</summary>
    private static List<string> Whole(Shard shard)
    {
        var (kpis, measures) = ShardCells.Of(shard);
        return ShardCells.Text(kpis, measures);
    }

    [Fact]
    public void Recovery_gives_back_every_kpi_cell_when_checkpoints_add_only_the_changes()
    {
        // Two files of two providers: their receipts count in different cells.
        var first = FileReceipts(1);
        var second = FileReceipts(2);
        List<string> expected;
        using (var store = OpenStore())
        {
            var shard = NewShard(store);
            long seq = 0;
            foreach (var r in first) shard.Apply(++seq, new ReceiptArrived(r));
            shard.Checkpoint();
            Assert.Equal(0, shard.Partials.Kpis.Count); // the changes left memory for the totals

            foreach (var r in second) shard.Apply(++seq, new ReceiptArrived(r));
            Assert.Equal(second.Select(KpiRollup.KeyOf).ToHashSet(), shard.Partials.Kpis.All().Select(c => c.Key).ToHashSet());
            shard.Checkpoint();

            // Withdrawing the first file takes its cells back to zero: gone from what the silo answers, zeros in the store.
            foreach (var r in first) shard.Apply(++seq, new ReceiptWithdrawn(r.Card, r.Key));
            shard.Checkpoint();
            var (kpis, _) = ShardCells.Of(shard);
            Assert.DoesNotContain(kpis.All(), c => c.Key.ProviderCode == first[0].Key.ProviderCode);
            var stored = store.LoadKpiTotals().Select(c => (Key: GrainCodec.DecodeKpiKey(c.Key), Value: KpiCounters.FromValues(c.Values))).ToList();
            Assert.Equal(kpis.All().Select(c => (c.Key, c.Value)).OrderBy(c => c.Key.ProviderCode).ThenBy(c => c.Key.InsurerNo),
                stored.Where(c => !c.Value.IsZero).OrderBy(c => c.Key.ProviderCode).ThenBy(c => c.Key.InsurerNo));
            Assert.Equal(first.Select(KpiRollup.KeyOf).ToHashSet(), stored.Where(c => c.Value.IsZero).Select(c => c.Key).ToHashSet());
            expected = Whole(shard);
        }

        using var reopened = OpenStore();
        var recovered = NewShard(reopened);
        Assert.Equal(0, recovered.Recover());
        Assert.Equal(expected, Whole(recovered));
        var total = ShardCells.Of(recovered).Kpis.Sum(Months.All, _ => true);
        Assert.Equal(second.Count, total.Receipts);
        Assert.Equal(second.Sum(r => (long)r.DeclaredPoints), total.Points);
    }

    private static HouseholdCard Household(int n) => new("01010016", "12", n.ToString());

    private static HighCostRow HighCost(int household, int month, long payableYen) =>
        new(Household(household), $"H{household}", new YearMonth(month), 1, 1_000_000, 300_000, 300_000 - payableYen, payableYen, false);

    [Fact]
    public void High_cost_rows_and_timers_are_rows_a_checkpoint_writes_when_they_change_and_recovery_gives_back()
    {
        byte[] expected;
        using (var store = OpenStore())
        {
            var shard = NewShard(store);
            long seq = 0;
            foreach (var r in FileReceipts(1)) shard.Apply(++seq, new ReceiptArrived(r));
            for (var h = 0; h < 100; h++) shard.Partials.SetHighCost(HighCost(h, 202408, 10_000 + h));
            for (var h = 0; h < 50; h++) shard.Partials.AddTimer(202411, Household(h).Key);
            shard.Checkpoint();
            Assert.Equal(100, store.LoadHighCost(0).Count);
            Assert.Equal(50, store.LoadTimers(0).Count);

            foreach (var r in FileReceipts(2)) shard.Apply(++seq, new ReceiptArrived(r));
            shard.Partials.SetHighCost(HighCost(7, 202408, 99_999));
            shard.Partials.RemoveHighCost(Household(8).Key, new YearMonth(202408));
            shard.Partials.RemoveTimer(202411, Household(9).Key);
            shard.Partials.AddTimer(202501, Household(9).Key);
            // The next checkpoint carries what changed, not the whole index: one row replaced and one deleted of each.
            var next = shard.PrepareCheckpoint()!;
            Assert.Equal([(Shard.HighCostId((Household(7).Key, new YearMonth(202408))), true), (Shard.HighCostId((Household(8).Key, new YearMonth(202408))), false)],
                next.HighCost.Select(r => (r.Key, r.Body.Length > 0)).Order());
            Assert.Equal([(Shard.TimerId((202411, Household(9).Key)), false), (Shard.TimerId((202501, Household(9).Key)), true)],
                next.Timers.Select(r => (r.Key, r.Body.Length > 0)).Order());
            shard.Checkpoint();
            Assert.Equal(99, store.LoadHighCost(0).Count);
            Assert.Equal(50, store.LoadTimers(0).Count);
            // The partials' own bytes hold neither.
            var stored = GrainCodec.DecodePartials(store.LoadCheckpoint(0)!.Partials);
            Assert.Empty(stored.ChangedHighCost);
            Assert.Empty(stored.ChangedTimers);
            // Nor does memory, once they are stored.
            Assert.Empty(shard.Partials.ChangedHighCost);
            Assert.Empty(shard.Partials.ChangedTimers);
            expected = GrainCodec.Encode(shard.Partials);
        }

        using var reopened = OpenStore();
        var recovered = NewShard(reopened);
        Assert.Equal(0, recovered.Recover());
        Assert.Equal(expected, GrainCodec.Encode(recovered.Partials));
        // The rows are the store's: a worklist finds them by insurer and month, the clock by due month.
        var rows = reopened.HighCostInScope(Shard.ScopeOf(Household(7).InsurerNo, new YearMonth(202408))).Select(r => GrainCodec.DecodeHighCost(r.Body)).ToList();
        Assert.Equal(99, rows.Count);
        Assert.Equal(99_999, rows.Single(h => h.Card == Household(7)).PayableYen);
        Assert.DoesNotContain(rows, h => h.Card == Household(8));
        Assert.Contains((202501, Household(9).Key), reopened.LoadTimers(0).Select(GrainCodec.DecodeTimer));
        Assert.DoesNotContain((202411, Household(9).Key), reopened.TimersBefore(0, "202412").Select(GrainCodec.DecodeTimer));
        Assert.Empty(recovered.Partials.ChangedHighCost);
        Assert.Empty(recovered.Partials.ChangedTimers);
    }

    [Fact]
    public void Cells_rows_and_timers_an_older_checkpoint_kept_inside_its_partials_move_into_their_rows_at_the_next_checkpoint()
    {
        var earlier = FileReceipts(3);
        var older = new ShardPartials();
        foreach (var r in earlier) older.Kpis.Add(KpiRollup.KeyOf(r), KpiRollup.CountersOf(r, ReceiptDecisions.None, ReferenceMasters.Empty));
        for (var h = 0; h < 3; h++) older.SetHighCost(HighCost(h, 202408, 10_000));
        older.AddTimer(202411, Household(0).Key);
        var later = FileReceipts(4);
        byte[] expected;
        using (var store = OpenStore())
        {
            // The form of a checkpoint before KPI cells had rows of their own: all cells inside the partials.
            store.WriteCheckpoint(new CheckpointWrite(0, 0, GrainCodec.Encode(older), [], [], [], []));
            var shard = NewShard(store);
            shard.Recover();
            Assert.Equal(GrainCodec.Encode(older), GrainCodec.Encode(shard.Partials));

            long seq = 0;
            foreach (var r in later) shard.Apply(++seq, new ReceiptArrived(r));
            shard.Checkpoint();
            expected = GrainCodec.Encode(shard.Partials);
            Assert.Equal(earlier.Concat(later).Select(KpiRollup.KeyOf).Distinct().Count(), store.LoadKpiTotals().Count);
            Assert.Equal(3, store.LoadHighCost(0).Count);
            Assert.Single(store.LoadTimers(0));
        }

        using var reopened = OpenStore();
        var recovered = NewShard(reopened);
        recovered.Recover();
        Assert.Equal(expected, GrainCodec.Encode(recovered.Partials));
        Assert.Equal(earlier.Count + later.Count, ShardCells.Of(recovered).Kpis.Sum(Months.All, _ => true).Receipts);
    }

    [Fact]
    public void Findings_and_high_cost_rows_of_a_checkpoint_before_their_scope_are_counted_once_and_rewritten_with_it()
    {
        var open = new Finding("VISITS:a:P1:x", "VISITS", 1, Household(1), "P1", "0110001", new YearMonth(202404), [], 5_000, FindingState.Open, "");
        var resolved = open with { Id = "DUP:a:P1:y", CheckId = "DUP", State = FindingState.Resolved };
        // Receipts billed in May and June: schema 4 counted it in the KPI cell of May (its first receipt's), now June.
        var spanning = open with { Id = "VERT:a:P1:z", CheckId = "VERT", YenAtStake = 3_000,
            Receipts = [new ReceiptKey("0110001", new YearMonth(202405), 1), new ReceiptKey("0110001", new YearMonth(202406), 2)] };
        var row = HighCost(2, 202404, 50_000);
        var scope = Shard.ScopeOf("01010016", new YearMonth(202404));
        KpiKey Cell(int billed) => new(new YearMonth(202404), new YearMonth(billed), "01010016", "0110001");
        using (var store = OpenStore())
        {
            // A format-4 checkpoint and rows as schema 4 wrote them: no scope, no position. Empty partials of format 5 read
            // as format 4 once the version byte says so (the rules' position, zero, reads as an empty list of measure
            // cells, where format 4 kept them; the bytes after it are not read).
            var blob = GrainCodec.EncodeWithoutRows(new ShardPartials());
            blob[0] = 4;
            // Both open findings in May's KPI cell, as schema 4 counted them (the one with no receipt: the month after its own).
            var may = new KpiCounters(0, 0, 0, 0, 2, 8_000);
            // (Schema 5 kept the cell per shard; the move to schema 6 made it a total, which is what is written here.)
            store.WriteCheckpoint(new CheckpointWrite(0, 0, blob, [], [], [], []) { KpiCells = [new(GrainCodec.EncodeKpiKey(Cell(202405)), may.ToValues())] });
            using (var state = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir, "shinsa.state.db")}"))
            {
                state.Open();
                foreach (var (table, id, body) in new[] { ("findings", open.Id, GrainCodec.EncodeFinding(open)), ("findings", resolved.Id, GrainCodec.EncodeFinding(resolved)),
                             ("findings", spanning.Id, GrainCodec.EncodeFinding(spanning)),
                             ("high_cost", Shard.HighCostId((row.Card.Key, row.Month)), GrainCodec.EncodeHighCost(row)) })
                {
                    using var insert = state.CreateCommand();
                    insert.CommandText = $"INSERT INTO {table}(shard, id, body) VALUES(0, $id, $body)";
                    insert.Parameters.AddWithValue("$id", id);
                    insert.Parameters.AddWithValue("$body", body);
                    insert.ExecuteNonQuery();
                }
            }
            Assert.Empty(store.FindingsInScope(scope));

            var shard = NewShard(store);
            shard.Recover();
            // Counted: the open findings and the payable row (not the resolved finding) …
            Assert.Equal(2, shard.Partials.Measures.Sum(Measure.OpenFindings, Months.All, _ => true).Count);
            Assert.Equal(new MeasureValue(1, 3_000), Assert.Single(shard.Partials.Measures.Cells(), c => c.Key is { Measure: Measure.OpenFindings, Check: "VERT" }).Value);
            Assert.Equal(new YearMonth(202406), Assert.Single(shard.Partials.Measures.Cells(), c => c.Key.Check == "VERT").Key.Billed);
            Assert.Equal(1, shard.Partials.Measures.Sum(Measure.People, Months.All, k => k.ProviderCode == "").Count);
            Assert.Equal(new MeasureValue(1, 50_000), Assert.Single(shard.Partials.Measures.Cells(), c => c.Key.Measure == Measure.HighCostHouseholds).Value);
            // … the spanning finding moved to June's KPI cell …
            Assert.Equal((1L, 5_000L), Cells(shard, 202405));
            Assert.Equal((1L, 3_000L), Cells(shard, 202406));
            // … and rewritten with their scope by the next checkpoint, though no record came.
            Assert.Equal(3, shard.Partials.ChangedFindings.Count);
            shard.Checkpoint();
            Assert.Equal(3, store.FindingsInScope(scope).Count());
            Assert.Single(store.HighCostInScope(scope));
            Assert.False(shard.Partials.HasChanges);
        }

        // The totals are in the checkpoint now: a restart does not count the rows again.
        using var reopened = OpenStore();
        var recovered = NewShard(reopened);
        recovered.Recover();
        Assert.False(recovered.Partials.HasChanges);
        Assert.Equal(2, ShardCells.Of(recovered).Measures.Sum(Measure.OpenFindings, Months.All, _ => true).Count);
        Assert.Equal((1L, 3_000L), Cells(recovered, 202406));
        Assert.Equal(new MeasureValue(1, 50_000), Assert.Single(ShardCells.Of(recovered).Measures.Cells(), c => c.Key.Measure == Measure.HighCostHouseholds).Value);

        (long, long) Cells(Shard shard, int billed)
        {
            var c = ShardCells.Of(shard).Kpis.Cells().SingleOrDefault(c => c.Key == Cell(billed)).Value;
            return (c.Findings, c.FindingYen);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }
}
