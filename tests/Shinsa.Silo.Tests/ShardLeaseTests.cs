using Npgsql;
using Shinsa.Grains;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Tests;

/// <summary>The lease and fencing rules of <see cref="IShardLeases"/> on a real PostgreSQL, without silos.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ShardLeaseTests : IDisposable
{
    private readonly string _connectionString;
    private readonly PostgresLogStore _store;

    public ShardLeaseTests(PostgresServer server)
    {
        _connectionString = server.NewDatabase();
        _store = new PostgresLogStore(_connectionString);
    }

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1), Short = TimeSpan.FromMilliseconds(600);

    [Fact]
    public void A_lease_is_exclusive_until_it_expires_and_a_take_over_raises_the_epoch()
    {
        _store.Initialize(4);
        var a = _store.Acquire("a", 4, Short, []);
        Assert.Equal([0, 1, 2, 3], a.Select(l => l.Shard).Order());
        Assert.All(a, l => Assert.Equal(1, l.Epoch));
        Assert.Empty(_store.Acquire("b", 4, Long, []));

        Thread.Sleep(Short + TimeSpan.FromMilliseconds(300));
        Assert.Empty(_store.Renew("a", Long)); // an expired lease is lost, not renewed
        var b = _store.Acquire("b", 2, Long, []);
        Assert.Equal(2, b.Count);
        Assert.All(b, l => Assert.Equal(2, l.Epoch));
        Assert.Equal(b.Select(l => l.Shard).Order(), _store.Renew("b", Long).Select(l => l.Shard).Order());
    }

    [Fact]
    public void A_checkpoint_or_cursor_with_a_stale_epoch_is_refused_and_changes_nothing()
    {
        _store.Initialize(2);
        _store.Append([new SubmissionAppend(new SubmissionRow("s", "uke", "f", 1, 1, 0, 0, [], [], new Dictionary<int, long>()),
            [new EntryAppend(0, [1]), new EntryAppend(0, [2])])]);
        var stale = _store.Acquire("a", 1, Short, [1]).Single();
        Assert.True(Checkpoint("a", stale, 1, [10], "g"));
        Assert.True(Cursor("a", stale, 1));

        // Silo a is paused past its lease; silo b takes the shard over and checkpoints.
        Thread.Sleep(Short + TimeSpan.FromMilliseconds(300));
        var current = _store.Acquire("b", 1, Long, [1]).Single();
        Assert.Equal(stale.Epoch + 1, current.Epoch);
        Assert.Equal(1, _store.AppliedPositions()[0]); // the new owner starts from the checkpoint
        Assert.True(Checkpoint("b", current, 2, [20], "g"));

        // Silo a resumes: its writes with the old epoch are fenced off, and b's state is intact.
        Assert.False(Checkpoint("a", stale, 2, [99], "g"));
        Assert.False(Cursor("a", stale, 2));
        Assert.False(_store.Release("a", stale));
        var checkpoint = _store.LoadCheckpoint(0)!;
        Assert.Equal(2L, checkpoint.AppliedSeq);
        Assert.Equal([20], checkpoint.Partials);
        Assert.Equal([20], _store.LoadGrain(0, "g"));
        // The current owner still advances its cursor.
        Assert.True(Cursor("b", current, 2));
        Assert.Equal(2, _store.AppliedPositions()[0]);
    }

    /// <summary>A checkpoint of one shard whose partials and grain <paramref name="grain"/> hold <paramref name="body"/>; true when written.</summary>
    private bool Checkpoint(string silo, ShardLease lease, long seq, byte[] body, string? grain = null) =>
        _store.WriteCheckpoints(silo, [(lease, Write(lease.Shard, seq, body, grain))]).Contains(lease.Shard);

    /// <summary>A checkpoint whose grain <paramref name="grain"/> holds <paramref name="body"/> and which adds <paramref name="cell"/> to the cell keyed <c>[9]</c>.</summary>
    private static CheckpointWrite Write(int shard, long seq, byte[] body, string? grain = null, long? cell = null) =>
        new(shard, seq, body, grain is null ? [] : [new(grain, body)], [], [], []) { KpiCells = cell is null ? [] : [new([9], [cell.Value])] };

    private long CellTotal() => _store.LoadKpiTotals().SingleOrDefault().Values?.Single() ?? 0;

    private bool Cursor(string silo, ShardLease lease, long seq) => _store.AdvanceCursors(silo, [(lease, seq)]).Contains(lease.Shard);

    [Fact]
    public void Checkpoints_and_cursors_written_together_are_fenced_shard_by_shard()
    {
        _store.Initialize(4);
        var mine = _store.Acquire("a", 2, Long, [2, 3]).OrderBy(l => l.Shard).ToList();
        var theirs = _store.Acquire("b", 2, Long, [0, 1]).OrderBy(l => l.Shard).ToList();
        var staleEpoch = mine[1] with { Epoch = mine[1].Epoch - 1 };

        // One transaction for four shards: a's two (one with an epoch it no longer holds) and b's two.
        var written = _store.WriteCheckpoints("a", [
            (mine[0], Write(0, 5, [1], "g0", 1)), (staleEpoch, Write(1, 5, [2], "g1", 10)),
            (theirs[0], Write(2, 5, [3], "g2", 100)), (theirs[1], Write(3, 5, [4], "g3", 1000))]);
        Assert.Equal([0], written.Order());
        Assert.Equal(5, _store.LoadCheckpoint(0)!.AppliedSeq);
        Assert.Equal([1], _store.LoadGrain(0, "g0"));
        // Only the written shard's change is in the total.
        Assert.Equal(1, CellTotal());
        foreach (var refused in new[] { 1, 2, 3 })
        {
            Assert.Null(_store.LoadCheckpoint(refused));
            Assert.Null(_store.LoadGrain(refused, $"g{refused}"));
        }

        // Rows of several shards in one checkpoint: each goes to its own shard, and their cells' changes add up.
        Assert.Equal([2, 3], _store.WriteCheckpoints("b", [(theirs[0], Write(2, 6, [7], "g", 20)), (theirs[1], Write(3, 6, [8], "g", 300))]).Order());
        Assert.Equal(321, CellTotal());
        Assert.Equal([2], _store.WriteCheckpoints("b", [(theirs[0], Write(2, 7, [7], cell: -20))]));
        Assert.Equal(301, CellTotal());
        Assert.Equal([7], _store.LoadGrain(2, "g"));
        Assert.Equal([8], _store.LoadGrain(3, "g"));

        var advanced = _store.AdvanceCursors("a", [(mine[0], 5), (staleEpoch, 5), (theirs[0], 5)]);
        Assert.Equal([0], advanced.Order());
        var positions = _store.AppliedPositions();
        Assert.Equal(5, positions[0]);
        Assert.Equal(0, positions[1]);
    }

    [Fact]
    public async Task A_checkpoint_waiting_for_a_paused_silos_totals_leaves_this_silos_leases_renewable()
    {
        _store.Initialize(2);
        var a = _store.Acquire("a", 1, Long, [1]).Single();
        var b = _store.Acquire("b", 1, Long, [0]).Single();
        Assert.Single(_store.WriteCheckpoints("b", [(b, Write(1, 1, [1], cell: 10))]));

        // Silo b pauses inside its next checkpoint, after adding to the shared total row: its transaction holds the row.
        await using var paused = new NpgsqlConnection(_connectionString);
        await paused.OpenAsync();
        await using var pausedTx = await paused.BeginTransactionAsync();
        await using (var add = new NpgsqlCommand("UPDATE kpi_totals SET v = v WHERE key = @key", paused, pausedTx))
        {
            add.Parameters.AddWithValue("key", new byte[] { 9 });
            Assert.Equal(1, await add.ExecuteNonQueryAsync());
        }

        // Silo a's checkpoint adds to the same row, so it waits for b's transaction to end.
        var checkpoint = Task.Run(() => _store.WriteCheckpoints("a", [(a, Write(0, 1, [2], cell: 5))]));
        await WaitForLockWaits(1);
        // Meanwhile a's renewal goes through: the waiting checkpoint holds none of a's lease rows.
        var renewed = await Task.Run(() => _store.Renew("a", Long)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([0], renewed.Select(l => l.Shard));
        Assert.False(checkpoint.IsCompleted);

        await pausedTx.CommitAsync();
        Assert.Equal([0], (await checkpoint.WaitAsync(TimeSpan.FromSeconds(30))).Order());
        Assert.Equal(15, CellTotal());
        Assert.Equal(1, _store.LoadCheckpoint(0)!.AppliedSeq);
    }

    /// <summary>Waits until <paramref name="count"/> statements of this test's database wait for a lock.</summary>
    private async Task WaitForLockWaits(int count)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
            if ((long)(await command.ExecuteScalarAsync())! >= count) return;
            Assert.True(DateTime.UtcNow < deadline, $"no {count} statements waiting for a lock after 30 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public void An_expired_lease_refuses_writes_even_when_nobody_took_it_and_release_frees_at_once()
    {
        _store.Initialize(2);
        var lease = _store.Acquire("a", 1, Short, [1]).Single();
        Thread.Sleep(Short + TimeSpan.FromMilliseconds(300));
        Assert.False(Checkpoint("a", lease, 0, [1]));
        Assert.Null(_store.LoadCheckpoint(0));

        var again = _store.Acquire("a", 1, Long, [1]).Single();
        Assert.True(_store.Release("a", again));
        var other = _store.Acquire("b", 1, Long, [1]).Single(); // no wait for the timeout after a hand-over
        Assert.Equal(again.Epoch + 1, other.Epoch);
    }

    [Fact]
    public void Membership_counts_live_silos_and_forgets_one_that_left()
    {
        _store.Initialize(2);
        Assert.Equal(1, _store.Heartbeat("a", "http://a", Long));
        Assert.Equal(2, _store.Heartbeat("b", "http://b", Long));
        Assert.Equal(2, _store.Heartbeat("a", "http://a", Long));
        _store.Leave("b");
        Assert.Equal(1, _store.Heartbeat("a", "http://a", Long));
        var view = _store.View(Long);
        Assert.Equal("a", Assert.Single(view.Silos).Id);
        Assert.Equal(2, view.Leases.Count);
    }

    [Fact]
    public void A_database_of_schema_version_1_is_migrated_to_leases_and_keeps_its_data()
    {
        _store.Initialize(3);
        _store.Append([new SubmissionAppend(new SubmissionRow("old", "uke", "f", 1, 1, 0, 0, [], [], new Dictionary<int, long>()),
            [new EntryAppend(2, [7])])]);
        // Turn it back into what a silo before cluster mode left behind.
        using (var connection = new Npgsql.NpgsqlConnection(_connectionString))
        {
            connection.Open();
            using var downgrade = new Npgsql.NpgsqlCommand("DROP TABLE silos, shard_leases, identities, waiting, findings, kpi_totals, high_cost, timers, measure_totals, audit, submission_owners, decisions, person_cards; DROP INDEX card_index_by_person; DELETE FROM schema_migrations WHERE version >= 2", connection);
            downgrade.ExecuteNonQuery();
        }
        using var upgraded = new PostgresLogStore(_connectionString);
        upgraded.Initialize(3);
        Assert.Equal([7], Assert.Single(upgraded.ReadShard(2, 0)).Payload);
        Assert.Equal(3, upgraded.Acquire("a", 10, Long, []).Count);
        upgraded.Initialize(3); // idempotent
        Assert.Equal(3, upgraded.View(Long).Leases.Count);
    }

    [Fact]
    public void A_database_of_migration_10_sums_its_per_shard_cells_into_the_totals()
    {
        _store.Initialize(3);
        var key = new Grains.Rollups.KpiKey(new Grains.Records.YearMonth(202404), new Grains.Records.YearMonth(202405), "01010016", "0110001");
        var measure = new Grains.Rollups.MeasureKey(Grains.Rollups.Measure.People, "01010016", "", new Grains.Records.YearMonth(202404), "DUP");
        // What migration 10 left: each shard's cells, keyed by shard and cell, the same cell in two shards.
        using (var connection = new Npgsql.NpgsqlConnection(_connectionString))
        {
            connection.Open();
            using (var downgrade = new Npgsql.NpgsqlCommand("""
                DROP TABLE kpi_totals, measure_totals, decisions, person_cards; DELETE FROM schema_migrations WHERE version >= 11;
                CREATE TABLE kpi_cells(shard int NOT NULL, cell text NOT NULL, body bytea NOT NULL, seq bigint, PRIMARY KEY(shard, cell));
                CREATE TABLE measure_cells(shard int NOT NULL, cell text NOT NULL, body bytea NOT NULL, seq bigint, PRIMARY KEY(shard, cell));
                """, connection))
                downgrade.ExecuteNonQuery();
            foreach (var (table, shard, body) in new[]
                     {
                         ("kpi_cells", 0, GrainCodec.EncodeKpiCell(key, new(1, 2, 300, 3_000, 0, 0))),
                         ("kpi_cells", 2, GrainCodec.EncodeKpiCell(key, new(2, 5, 700, 7_000, 1, 40))),
                         ("measure_cells", 1, GrainCodec.EncodeMeasureCell(measure, new(1))),
                         ("measure_cells", 2, GrainCodec.EncodeMeasureCell(measure, new(2))),
                     })
            {
                using var insert = new Npgsql.NpgsqlCommand($"INSERT INTO {table}(shard, cell, body) VALUES(@shard, 'c', @body)", connection);
                insert.Parameters.AddWithValue("shard", shard);
                insert.Parameters.AddWithValue("body", body);
                insert.ExecuteNonQuery();
            }
        }
        using var upgraded = new PostgresLogStore(_connectionString);
        upgraded.Initialize(3);
        var kpis = Assert.Single(upgraded.LoadKpiTotals());
        Assert.Equal(key, GrainCodec.DecodeKpiKey(kpis.Key));
        Assert.Equal(new Grains.Rollups.KpiCounters(3, 7, 1_000, 10_000, 1, 40), Grains.Rollups.KpiCounters.FromValues(kpis.Values));
        var measures = Assert.Single(upgraded.LoadMeasureTotals());
        Assert.Equal(measure, GrainCodec.DecodeMeasureKey(measures.Key));
        Assert.Equal(new Grains.Rollups.MeasureValue(3), Grains.Rollups.MeasureValue.FromValues(measures.Values));
    }

    [Fact]
    public async Task An_append_by_another_silo_wakes_the_listener()
    {
        _store.Initialize(2);
        using var other = new PostgresLogStore(_connectionString);
        using var woken = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var listening = _store.ListenForAppendsAsync(() => woken.Release(), stop.Token);
        Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(10))); // the wake-up after LISTEN (catch-up)
        Assert.False(await woken.WaitAsync(TimeSpan.FromMilliseconds(300))); // nothing appended: no notification
        other.Append([new SubmissionAppend(new SubmissionRow("n", "uke", "f", 1, 1, 0, 0, [], [], new Dictionary<int, long>()),
            [new EntryAppend(1, [1])])]);
        Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(5)));
        stop.Cancel();
        await listening;
    }

    public void Dispose() => _store.Dispose();
}
