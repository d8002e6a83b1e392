using Npgsql;

namespace Shinsa.Silo.Storage;

/// <summary>
/// Membership and shard leases on PostgreSQL (migration 2). Times are the database's clock (clock_timestamp()), so
/// silos never compare their own clocks. A lease is held while owner = the silo and expires is in the future;
/// fenced writes check owner, epoch and expiry with the lease row locked (FOR UPDATE) in the writing transaction, so
/// a take-over (which updates that row) is ordered strictly before or after the write.
/// </summary>
public sealed partial class PostgresLogStore : IShardLeases
{
    private const string AppendChannel = "shinsa_log_append";

    public int Heartbeat(string siloId, string url, TimeSpan leaseTimeout)
    {
        using var command = _dataSource.CreateCommand("""
            WITH gone AS (
                -- Members silent for ten lease timeouts are forgotten (their leases expired long ago).
                DELETE FROM silos WHERE id <> @id AND heartbeat < clock_timestamp() - 10 * @timeout),
            up AS (
                INSERT INTO silos(id, url, heartbeat) VALUES (@id, @url, clock_timestamp())
                ON CONFLICT (id) DO UPDATE SET url = excluded.url, heartbeat = excluded.heartbeat)
            SELECT count(*) + 1 FROM silos WHERE id <> @id AND heartbeat > clock_timestamp() - @timeout
            """);
        command.Parameters.AddWithValue("id", siloId);
        command.Parameters.AddWithValue("url", url);
        command.Parameters.AddWithValue("timeout", leaseTimeout);
        return Convert.ToInt32(command.ExecuteScalar());
    }

    public void Leave(string siloId)
    {
        using var command = _dataSource.CreateCommand("DELETE FROM silos WHERE id = @id");
        command.Parameters.AddWithValue("id", siloId);
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<ShardLease> Renew(string siloId, TimeSpan leaseTimeout)
    {
        using var command = _dataSource.CreateCommand("""
            UPDATE shard_leases SET expires = clock_timestamp() + @timeout
            WHERE owner = @id AND expires > clock_timestamp() RETURNING shard, epoch
            """);
        command.Parameters.AddWithValue("id", siloId);
        command.Parameters.AddWithValue("timeout", leaseTimeout);
        return ReadLeases(command);
    }

    public IReadOnlyList<ShardLease> Acquire(string siloId, int max, TimeSpan leaseTimeout, IReadOnlyCollection<int> exclude)
    {
        if (max <= 0) return [];
        // Free and expired shards in random order, so silos starting together spread over them; SKIP LOCKED lets
        // two silos acquire at once without waiting for each other.
        using var command = _dataSource.CreateCommand("""
            WITH candidates AS (
                SELECT shard FROM shard_leases
                WHERE (owner IS NULL OR owner = @id OR expires <= clock_timestamp()) AND NOT (shard = ANY(@exclude))
                ORDER BY random() LIMIT @max FOR UPDATE SKIP LOCKED)
            UPDATE shard_leases l SET owner = @id, epoch = l.epoch + 1, expires = clock_timestamp() + @timeout,
                applied_seq = COALESCE((SELECT c.applied_seq FROM checkpoints c WHERE c.shard = l.shard), 0)
            FROM candidates WHERE l.shard = candidates.shard
            RETURNING l.shard, l.epoch
            """);
        command.Parameters.AddWithValue("id", siloId);
        command.Parameters.AddWithValue("max", max);
        command.Parameters.AddWithValue("timeout", leaseTimeout);
        command.Parameters.AddWithValue("exclude", exclude.ToArray());
        return ReadLeases(command);
    }

    public bool Release(string siloId, ShardLease lease)
    {
        using var command = _dataSource.CreateCommand("""
            UPDATE shard_leases SET owner = NULL, expires = '-infinity' WHERE shard = @shard AND owner = @id AND epoch = @epoch
            """);
        command.Parameters.AddWithValue("shard", lease.Shard);
        command.Parameters.AddWithValue("id", siloId);
        command.Parameters.AddWithValue("epoch", lease.Epoch);
        return command.ExecuteNonQuery() == 1;
    }

    public IReadOnlySet<int> WriteCheckpoints(string siloId, IReadOnlyList<(ShardLease Lease, CheckpointWrite Checkpoint)> checkpoints)
    {
        var candidates = checkpoints;
        while (candidates.Count > 0)
        {
            using var connection = _dataSource.OpenConnection();
            using var tx = connection.BeginTransaction();
            Execute(connection, tx, LimitStall);
            // The lease rows are locked last, so each lock is held for as little as possible. Every silo adds to the
            // same total rows, so adding can wait for another silo's checkpoint, for up to its stall limit when that
            // silo is paused; holding this silo's lease rows meanwhile would block its own renewal, and a paused silo
            // would make a healthy one lose its leases. The fence still comes before the commit, which is what it orders
            // against a take-over.
            WriteCheckpointRows(connection, tx, candidates.Select(c => c.Checkpoint).ToList());
            var fenced = Fence(connection, tx, siloId, candidates);
            if (fenced.Count == candidates.Count)
            {
                tx.Commit();
                return fenced;
            }
            // Rows were written for a shard whose lease is gone: write again without it.
            tx.Rollback();
            candidates = candidates.Where(c => fenced.Contains(c.Lease.Shard)).ToList();
        }
        return new HashSet<int>();
    }

    /// <summary>Locks the lease rows still held at the given epochs, in shard order (so two fences cannot deadlock).</summary>
    private static HashSet<int> Fence(NpgsqlConnection connection, NpgsqlTransaction tx, string siloId,
        IReadOnlyList<(ShardLease Lease, CheckpointWrite Checkpoint)> checkpoints)
    {
        using var fence = new NpgsqlCommand("""
            SELECT l.shard FROM shard_leases l JOIN unnest(@shards, @epochs) AS c(shard, epoch) ON l.shard = c.shard AND l.epoch = c.epoch
            WHERE l.owner = @id AND l.expires > clock_timestamp() ORDER BY l.shard FOR UPDATE OF l
            """, connection, tx);
        fence.Parameters.AddWithValue("shards", checkpoints.Select(c => c.Lease.Shard).ToArray());
        fence.Parameters.AddWithValue("epochs", checkpoints.Select(c => c.Lease.Epoch).ToArray());
        fence.Parameters.AddWithValue("id", siloId);
        return ShardsOf(fence);
    }

    public IReadOnlySet<int> AdvanceCursors(string siloId, IReadOnlyList<(ShardLease Lease, long AppliedSeq)> cursors)
    {
        if (cursors.Count == 0) return new HashSet<int>();
        using var command = _dataSource.CreateCommand("""
            UPDATE shard_leases l SET applied_seq = c.seq FROM unnest(@shards, @epochs, @seqs) AS c(shard, epoch, seq)
            WHERE l.shard = c.shard AND l.owner = @id AND l.epoch = c.epoch AND l.expires > clock_timestamp()
            RETURNING l.shard
            """);
        command.Parameters.AddWithValue("shards", cursors.Select(c => c.Lease.Shard).ToArray());
        command.Parameters.AddWithValue("epochs", cursors.Select(c => c.Lease.Epoch).ToArray());
        command.Parameters.AddWithValue("seqs", cursors.Select(c => c.AppliedSeq).ToArray());
        command.Parameters.AddWithValue("id", siloId);
        return ShardsOf(command);
    }

    private static HashSet<int> ShardsOf(NpgsqlCommand command)
    {
        using var reader = command.ExecuteReader();
        var shards = new HashSet<int>();
        while (reader.Read()) shards.Add(reader.GetInt32(0));
        return shards;
    }

    public IReadOnlyDictionary<int, long> AppliedPositions() => Positions("SELECT shard, applied_seq FROM shard_leases");

    public IReadOnlyDictionary<int, long> CheckpointPositions() => Positions("SELECT shard, applied_seq FROM checkpoints");

    public TotalsChanges ReadTotalsChanges(ulong since)
    {
        using var connection = _dataSource.OpenConnection();
        // One snapshot for all four reads: the totals include exactly the checkpoints whose positions are read with them.
        using var tx = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        using var batch = new NpgsqlBatch(connection, tx);
        // A transaction this snapshot cannot see has an id at least its xmin (the oldest one running), so the rows written
        // since are those with a writer's id at least the previous read's xmin (a few seen rows come again: they are whole values).
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text"));
        foreach (var table in (string[])["kpi_totals", "measure_totals"])
        {
            var read = new NpgsqlBatchCommand($"SELECT key, v FROM {table} WHERE xid >= @since::xid8");
            read.Parameters.Add(new NpgsqlParameter("since", since.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            batch.BatchCommands.Add(read);
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT shard, applied_seq FROM checkpoints"));
        using var reader = batch.ExecuteReader();
        reader.Read();
        var next = ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture);
        reader.NextResult();
        var kpis = ReadTotals(reader);
        reader.NextResult();
        var measures = ReadTotals(reader);
        reader.NextResult();
        var checkpoints = new Dictionary<int, long>();
        while (reader.Read()) checkpoints[reader.GetInt32(0)] = reader.GetInt64(1);
        reader.Close();
        tx.Commit();
        return new TotalsChanges(next, kpis, measures, checkpoints);
    }

    public IReadOnlyDictionary<int, ShardCheckpoint> LoadCheckpoints(IReadOnlyCollection<int> shards)
    {
        var checkpoints = new Dictionary<int, ShardCheckpoint>();
        if (shards.Count == 0) return checkpoints;
        using var command = _dataSource.CreateCommand("SELECT shard, applied_seq, partials FROM checkpoints WHERE shard = ANY(@shards)");
        command.Parameters.AddWithValue("shards", shards.ToArray());
        using var reader = command.ExecuteReader();
        while (reader.Read()) checkpoints[reader.GetInt32(0)] = new ShardCheckpoint(reader.GetInt32(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
        return checkpoints;
    }

    private Dictionary<int, long> Positions(string sql)
    {
        using var command = _dataSource.CreateCommand(sql);
        using var reader = command.ExecuteReader();
        var positions = new Dictionary<int, long>();
        while (reader.Read()) positions[reader.GetInt32(0)] = reader.GetInt64(1);
        return positions;
    }

    public ClusterView View(TimeSpan leaseTimeout)
    {
        var silos = new List<SiloRow>();
        using (var command = _dataSource.CreateCommand("""
            SELECT id, url, extract(epoch FROM clock_timestamp() - heartbeat)::float8 FROM silos ORDER BY id
            """))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                var age = reader.GetDouble(2);
                silos.Add(new SiloRow(reader.GetString(0), reader.GetString(1), age, age < leaseTimeout.TotalSeconds));
            }
        var leases = new List<LeaseRow>();
        using (var command = _dataSource.CreateCommand("""
            SELECT l.shard, l.owner, l.epoch,
                CASE WHEN l.expires = '-infinity' THEN -1e9 ELSE extract(epoch FROM l.expires - clock_timestamp())::float8 END,
                l.applied_seq, COALESCE(c.applied_seq, 0)
            FROM shard_leases l LEFT JOIN checkpoints c ON c.shard = l.shard ORDER BY l.shard
            """))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                leases.Add(new LeaseRow(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2),
                    reader.GetDouble(3), reader.GetInt64(4), reader.GetInt64(5)));
        return new ClusterView(silos, leases);
    }

    public async Task ListenForAppendsAsync(Action onAppend, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenConnectionString);
                await connection.OpenAsync(cancellationToken);
                connection.Notification += (_, _) => onAppend();
                await using (var listen = new NpgsqlCommand($"LISTEN {AppendChannel}", connection))
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                // Appends between the connection loss and this LISTEN are found by the workers' polling.
                onAppend();
                while (true) await connection.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or TimeoutException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private static List<ShardLease> ReadLeases(NpgsqlCommand command)
    {
        using var reader = command.ExecuteReader();
        var leases = new List<ShardLease>();
        while (reader.Read()) leases.Add(new ShardLease(reader.GetInt32(0), reader.GetInt64(1)));
        return leases;
    }
}
