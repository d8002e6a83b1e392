using Npgsql;
using NpgsqlTypes;
using System.Text.Json;

namespace Shinsa.Silo.Storage;

/// <summary>
/// The cluster store: the same contract as the embedded one, on PostgreSQL. Log entries go in with binary COPY.
/// Appends from every silo take one advisory lock for their transaction, so log positions are assigned and become
/// visible in the same order: a shard worker that has read up to position N can never later find an entry below N.
/// The schema is created and migrated by the silo at start (versioned, idempotent, safe when silos start together).
/// </summary>
public sealed partial class PostgresLogStore : ILogStore
{
    // Arbitrary but fixed: pg_advisory_xact_lock keys for migrations and for appends.
    private const long MigrationLock = 0x5348_494E_5341_0001, AppendLock = 0x5348_494E_5341_0002;

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE meta(key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE log(seq bigint PRIMARY KEY, shard int NOT NULL, payload bytea NOT NULL);
        CREATE INDEX log_by_shard ON log(shard, seq);
        CREATE TABLE submissions(id text PRIMARY KEY, body bytea NOT NULL);
        CREATE TABLE checkpoints(shard int PRIMARY KEY, applied_seq bigint NOT NULL, partials bytea NOT NULL);
        CREATE TABLE grains(shard int NOT NULL, key text NOT NULL, state bytea NOT NULL, PRIMARY KEY(shard, key));
        CREATE TABLE card_index(insurer_no text NOT NULL, symbol text NOT NULL, number text NOT NULL, branch text NOT NULL,
            person_id text NOT NULL, household_id text NOT NULL, PRIMARY KEY(insurer_no, symbol, number, branch));
        """,
        // 2: cluster membership and shard leases (PostgresLogStore.Leases.cs).
        """
        CREATE TABLE silos(id text PRIMARY KEY, url text NOT NULL, started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            heartbeat timestamptz NOT NULL);
        CREATE TABLE shard_leases(shard int PRIMARY KEY, owner text, epoch bigint NOT NULL DEFAULT 0,
            expires timestamptz NOT NULL DEFAULT '-infinity', applied_seq bigint NOT NULL DEFAULT 0);
        """,
        // 3: identities and waiting records (decisions and care claims that name a receipt or a care card).
        """
        CREATE TABLE identities(key text PRIMARY KEY, card text, branch text NOT NULL, alias_of text);
        CREATE INDEX identities_by_alias ON identities(alias_of);
        CREATE TABLE waiting(id bigserial PRIMARY KEY, key text NOT NULL, payload bytea NOT NULL);
        CREATE INDEX waiting_by_key ON waiting(key);
        """,
        // 4: cards by person (the 振替 candidate of an ELIG-NONE finding).
        """
        CREATE INDEX card_index_by_person ON card_index(person_id);
        """,
        // 5: findings written per checkpoint (only those that changed), apart from the shard partials.
        """
        CREATE TABLE findings(shard int NOT NULL, id text NOT NULL, body bytea NOT NULL, PRIMARY KEY(shard, id));
        """,
        // 6: KPI cells written per checkpoint (only those that changed), apart from the shard partials.
        """
        CREATE TABLE kpi_cells(shard int NOT NULL, cell text NOT NULL, body bytea NOT NULL, PRIMARY KEY(shard, cell));
        """,
        // 7: 高額療養費 rows and durable timers written per checkpoint (only those that changed), apart from the shard partials.
        """
        CREATE TABLE high_cost(shard int NOT NULL, id text NOT NULL, body bytea NOT NULL, PRIMARY KEY(shard, id));
        CREATE TABLE timers(shard int NOT NULL, id text NOT NULL, body bytea NOT NULL, PRIMARY KEY(shard, id));
        """,
        // 8: the scope the worklists query findings and 高額療養費 rows by (insurer and service month), and the position
        // of the checkpoint that wrote them. Older rows have neither; their shard's owner rewrites them at its first
        // checkpoint. Measure cells written per checkpoint (only those that changed), like the KPI cells.
        """
        ALTER TABLE findings ADD COLUMN scope text, ADD COLUMN seq bigint;
        ALTER TABLE high_cost ADD COLUMN scope text, ADD COLUMN seq bigint;
        CREATE INDEX findings_by_scope ON findings(scope) WHERE scope IS NOT NULL;
        CREATE INDEX high_cost_by_scope ON high_cost(scope) WHERE scope IS NOT NULL;
        CREATE TABLE measure_cells(shard int NOT NULL, cell text NOT NULL, body bytea NOT NULL, PRIMARY KEY(shard, cell));
        """,
        // 9: the access store (Auth/PostgresAccessStore.cs): every silo's audit entries and submission owners in one place.
        """
        CREATE TABLE audit(id bigserial PRIMARY KEY, at timestamptz NOT NULL, who text NOT NULL, role text NOT NULL,
            what text NOT NULL, subject text NOT NULL);
        CREATE INDEX audit_by_who ON audit(who, id);
        CREATE TABLE submission_owners(id text NOT NULL, role text NOT NULL, PRIMARY KEY(id, role));
        """,
        // 10: the position of the checkpoint that wrote each KPI and measure cell, so a silo reading a shard served
        // elsewhere reads the cells changed since the checkpoint it holds, not the shard's whole history. Older cells
        // have none: they are older than any checkpoint a silo of this version holds.
        """
        ALTER TABLE kpi_cells ADD COLUMN seq bigint;
        ALTER TABLE measure_cells ADD COLUMN seq bigint;
        CREATE INDEX kpi_cells_by_seq ON kpi_cells(shard, seq);
        CREATE INDEX measure_cells_by_seq ON measure_cells(shard, seq);
        """,
        // 11: KPI and measure cells as totals over the shards, which each checkpoint adds its changes to (MoveCellsToTotals
        // moves the per-shard cells in). A total keeps the id of the transaction that last wrote it, so a silo reads the
        // totals changed since its last read (IShardLeases.ReadTotalsChanges).
        """
        CREATE TABLE kpi_totals(key bytea PRIMARY KEY, v bigint[] NOT NULL, xid xid8 NOT NULL DEFAULT pg_current_xact_id());
        CREATE INDEX kpi_totals_by_xid ON kpi_totals(xid);
        CREATE TABLE measure_totals(key bytea PRIMARY KEY, v bigint[] NOT NULL, xid xid8 NOT NULL DEFAULT pg_current_xact_id());
        CREATE INDEX measure_totals_by_xid ON measure_totals(xid);
        """,
        // 12: the review decisions that went into the log, by receipt, so they follow a receipt to another card, and
        // people's medical cards by the day each began, which care claims go by (KeepFromLog fills both from the log so far).
        """
        CREATE TABLE decisions(id bigserial PRIMARY KEY, key text NOT NULL, payload bytea NOT NULL);
        CREATE INDEX decisions_by_key ON decisions(key);
        CREATE TABLE person_cards(person text NOT NULL, valid_from int NOT NULL, card text NOT NULL, branch text NOT NULL,
            PRIMARY KEY(person, valid_from));
        """,
    ];

    /// <summary>What a migration does besides its SQL, by version, in the same transaction.</summary>
    private static readonly Dictionary<int, Action<NpgsqlConnection, NpgsqlTransaction>> MigrationSteps = new()
    {
        [11] = MoveCellsToTotals,
        [12] = KeepFromLog,
    };

    /// <summary>Migration 12: the decisions and people's medical cards already in the log.</summary>
    private static void KeepFromLog(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        KeptFromLog kept;
        using (var select = new NpgsqlCommand("SELECT payload FROM log ORDER BY seq", connection, tx))
        using (var reader = select.ExecuteReader())
            kept = KeptFromLog.Read(Payloads(reader));
        InsertDecisions(connection, tx, kept.Decisions);
        UpsertPersonCards(connection, tx, kept.PersonCards);

        static IEnumerable<byte[]> Payloads(NpgsqlDataReader reader)
        {
            while (reader.Read()) yield return reader.GetFieldValue<byte[]>(0);
        }
    }

    private static void UpsertPersonCards(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<PersonCardRow> cards)
    {
        // One row per person and day, the last of them: ON CONFLICT cannot touch a row twice in one statement.
        var rows = cards.GroupBy(c => (c.PersonId, c.ValidFrom)).Select(g => g.Last()).ToList();
        if (rows.Count == 0) return;
        using var upsert = new NpgsqlCommand("""
            INSERT INTO person_cards(person, valid_from, card, branch) SELECT * FROM unnest(@p, @f, @c, @b)
            ON CONFLICT (person, valid_from) DO UPDATE SET card = excluded.card, branch = excluded.branch
            """, connection, tx);
        upsert.Parameters.AddWithValue("p", rows.Select(r => r.PersonId).ToArray());
        upsert.Parameters.AddWithValue("f", rows.Select(r => r.ValidFrom).ToArray());
        upsert.Parameters.AddWithValue("c", rows.Select(r => r.CardKey).ToArray());
        upsert.Parameters.AddWithValue("b", rows.Select(r => r.Branch).ToArray());
        upsert.ExecuteNonQuery();
    }

    private static void InsertDecisions(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyCollection<AppliedDecision> decisions)
    {
        if (decisions.Count == 0) return;
        using var insert = new NpgsqlCommand("INSERT INTO decisions(key, payload) SELECT * FROM unnest(@k, @p)", connection, tx);
        insert.Parameters.AddWithValue("k", decisions.Select(d => d.ReceiptIdentity).ToArray());
        insert.Parameters.AddWithValue("p", decisions.Select(d => d.Payload).ToArray());
        insert.ExecuteNonQuery();
    }

    /// <summary>Migration 11: each shard's KPI and measure cells summed over the shards into the totals; the per-shard tables go.</summary>
    private static void MoveCellsToTotals(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        foreach (var (from, to, sum) in CellValues.PerShardTables)
        {
            var bodies = new List<byte[]>();
            using (var select = new NpgsqlCommand($"SELECT body FROM {from}", connection, tx))
            using (var reader = select.ExecuteReader())
                while (reader.Read()) bodies.Add(reader.GetFieldValue<byte[]>(0));
            AddToTotals(connection, tx, to, sum(bodies));
            Execute(connection, tx, $"DROP TABLE {from}");
        }
    }

    private readonly NpgsqlDataSource _dataSource;
    // The listener's own connection, never pooled: its LISTEN must not outlive it in a connection handed to others.
    private readonly string _listenConnectionString;

    // A silo paused (GC, SIGSTOP) inside a transaction that holds the append lock or a lease row would block every
    // other silo's appends, or the take-over of that shard, until it resumed: the server ends such a session instead.
    // No transaction of the silo waits on its client this long when the silo runs.
    private const string LimitStall = "SET LOCAL idle_in_transaction_session_timeout = '5s';";

    public PostgresLogStore(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(PooledConnectionString(connectionString));
        _listenConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        Description = $"PostgreSQL {new NpgsqlConnectionStringBuilder(connectionString) { Password = null }.ConnectionString}";
    }

    /// <summary>The user's connection string as the store's pool uses it.</summary>
    internal static string PooledConnectionString(string connectionString)
    {
        // No session state outlives a transaction here (SET LOCAL, transaction-level advisory locks; the listener keeps
        // its connection), so a pooled connection needs no DISCARD ALL on its way back: cluster workers open hundreds a second.
        var pooled = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        // Every query here touches a few rows through an index. The log grows faster than autovacuum's statistics, so the
        // planner took the workers' tail reads for large and ran them in parallel: starting a worker process cost the
        // server 5–10 ms a call against 0.3 ms of work (on 256 shards, 40 % of the cluster's CPU). The user's own
        // server options stay.
        pooled.Options = $"{pooled.Options} -c max_parallel_workers_per_gather=0".Trim();
        return pooled.ConnectionString;
    }

    /// <summary>Where the data is, for the start-up log (no password).</summary>
    public string Description { get; }

    private Actors.ShardMap? _map;

    public void Initialize(int shardCount)
    {
        _map = new Actors.ShardMap(shardCount);
        using var connection = _dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        Migrate(connection, tx);
        var stored = Scalar<string?>(connection, tx, "SELECT value FROM meta WHERE key = 'shard_count'");
        if (stored is not null && int.Parse(stored) != shardCount)
            throw new InvalidOperationException(
                $"the database was created with {stored} shards; the configured shard count is {shardCount}. " +
                $"The shard count is fixed per deployment: set Shinsa:ShardCount back to {stored} or use a new database.");
        Execute(connection, tx, $"INSERT INTO meta(key, value) VALUES ('shard_count', '{shardCount}') ON CONFLICT (key) DO NOTHING");
        Execute(connection, tx, $"INSERT INTO shard_leases(shard) SELECT generate_series(0, {shardCount - 1}) ON CONFLICT (shard) DO NOTHING");
        tx.Commit();
    }

    /// <summary>
    /// Creates or migrates the schema inside <paramref name="tx"/>: versioned, and under an advisory lock, so silos that
    /// start together (and the access store, which may be asked before the log store starts) migrate it once.
    /// </summary>
    internal static void Migrate(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        Execute(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLock})");
        Execute(connection, tx, "CREATE TABLE IF NOT EXISTS schema_migrations(version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
        var applied = Scalar<int?>(connection, tx, "SELECT max(version) FROM schema_migrations") ?? 0;
        if (applied > Migrations.Length)
            throw new InvalidOperationException($"the database has schema version {applied}; this silo knows up to {Migrations.Length}");
        for (var version = applied + 1; version <= Migrations.Length; version++)
        {
            Execute(connection, tx, Migrations[version - 1]);
            if (MigrationSteps.TryGetValue(version, out var step)) step(connection, tx);
            Execute(connection, tx, $"INSERT INTO schema_migrations(version) VALUES ({version})");
        }
    }

    public int? StoredShardCount()
    {
        using var connection = _dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        if (!Scalar<bool>(connection, tx, "SELECT to_regclass('meta') IS NOT NULL")) return null;
        return Scalar<string?>(connection, tx, "SELECT value FROM meta WHERE key = 'shard_count'") is { } stored ? int.Parse(stored) : null;
    }

    public IReadOnlyList<AppendOutcome> Append(IReadOnlyList<SubmissionAppend> batch)
    {
        using var connection = _dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        Execute(connection, tx, $"{LimitStall} SELECT pg_advisory_xact_lock({AppendLock})");

        var existing = new HashSet<string>();
        using (var find = new NpgsqlCommand("SELECT id FROM submissions WHERE id = ANY(@ids)", connection, tx))
        {
            find.Parameters.AddWithValue("ids", batch.Select(b => b.Submission.Id).Distinct().ToArray());
            using var reader = find.ExecuteReader();
            while (reader.Read()) existing.Add(reader.GetString(0));
        }
        var seq = Scalar<long?>(connection, tx, "SELECT max(seq) FROM log") ?? 0;

        // The identity plan reads the store, which it cannot do while COPY holds the connection: lay out first, then copy.
        // A store that did not initialise the schema (another silo did) reads the deployment's shard count.
        _map ??= new Actors.ShardMap(int.Parse(Scalar<string?>(connection, tx, "SELECT value FROM meta WHERE key = 'shard_count'")
            ?? throw new InvalidOperationException("the database has no shard count: Initialize the store first")));
        var plan = new IdentityPlan(new Reader(connection, tx), _map);
        var layout = AppendLayout.Of(batch, seq, existing.Contains, plan);
        var rows = layout.Stored.Select(s => s.Row).ToList();
        using (var copy = connection.BeginBinaryImport("COPY log (seq, shard, payload) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (position, entry) in layout.Entries)
            {
                copy.StartRow();
                copy.Write(position, NpgsqlDbType.Bigint);
                copy.Write(entry.Shard, NpgsqlDbType.Integer);
                copy.Write(entry.Payload, NpgsqlDbType.Bytea);
            }
            copy.Complete();
        }
        WriteIdentities(connection, tx, plan);

        if (rows.Count > 0)
        {
            using var insert = new NpgsqlCommand("INSERT INTO submissions(id, body) SELECT * FROM unnest(@ids, @bodies)", connection, tx);
            insert.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
            insert.Parameters.AddWithValue("bodies", rows.Select(r => JsonSerializer.SerializeToUtf8Bytes(r)).ToArray());
            insert.ExecuteNonQuery();
        }
        var cards = layout.Stored.SelectMany(s => s.Item.CardIndex)
            .GroupBy(c => (c.InsurerNo, c.Symbol, c.Number, c.Branch)).Select(g => g.Last()).ToList();
        if (cards.Count > 0)
        {
            using var upsert = new NpgsqlCommand("""
                INSERT INTO card_index(insurer_no, symbol, number, branch, person_id, household_id)
                SELECT * FROM unnest(@i, @s, @n, @b, @p, @h)
                ON CONFLICT (insurer_no, symbol, number, branch) DO UPDATE SET person_id = excluded.person_id, household_id = excluded.household_id
                """, connection, tx);
            upsert.Parameters.AddWithValue("i", cards.Select(c => c.InsurerNo).ToArray());
            upsert.Parameters.AddWithValue("s", cards.Select(c => c.Symbol).ToArray());
            upsert.Parameters.AddWithValue("n", cards.Select(c => c.Number).ToArray());
            upsert.Parameters.AddWithValue("b", cards.Select(c => c.Branch).ToArray());
            upsert.Parameters.AddWithValue("p", cards.Select(c => c.PersonId).ToArray());
            upsert.Parameters.AddWithValue("h", cards.Select(c => c.HouseholdId).ToArray());
            upsert.ExecuteNonQuery();
        }
        // Delivered at commit: wakes the shard workers of every silo (LISTEN in PostgresLogStore.Leases.cs).
        if (rows.Count > 0) Execute(connection, tx, $"NOTIFY {AppendChannel}");
        tx.Commit();
        return layout.Outcomes;
    }

    public SubmissionRow? FindSubmission(string id)
    {
        using var command = _dataSource.CreateCommand("SELECT body FROM submissions WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        return command.ExecuteScalar() is byte[] body ? JsonSerializer.Deserialize<SubmissionRow>(body) : null;
    }

    public CardIndexRow? FindCard(string insurerNo, string symbol, string number, string branch)
    {
        using var command = _dataSource.CreateCommand("""
            SELECT person_id, household_id FROM card_index WHERE insurer_no = @i AND symbol = @s AND number = @n AND branch = @b
            """);
        command.Parameters.AddWithValue("i", insurerNo);
        command.Parameters.AddWithValue("s", symbol);
        command.Parameters.AddWithValue("n", number);
        command.Parameters.AddWithValue("b", branch);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new CardIndexRow(insurerNo, symbol, number, branch, reader.GetString(0), reader.GetString(1)) : null;
    }

    public IReadOnlyList<CardIndexRow> CardsOfPerson(string personId)
    {
        using var command = _dataSource.CreateCommand("""
            SELECT insurer_no, symbol, number, branch, household_id FROM card_index WHERE person_id = @p
            ORDER BY insurer_no COLLATE "C", symbol COLLATE "C", number COLLATE "C", branch COLLATE "C"
            """);
        command.Parameters.AddWithValue("p", personId);
        using var reader = command.ExecuteReader();
        return CardIndexRow.ReadCardsOf(personId, reader);
    }

    public IEnumerable<StoredEntry> ReadShard(int shard, long afterSeq)
    {
        using var command = _dataSource.CreateCommand("SELECT seq, payload FROM log WHERE shard = @shard AND seq > @after ORDER BY seq");
        command.Parameters.AddWithValue("shard", shard);
        command.Parameters.AddWithValue("after", afterSeq);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return new StoredEntry(reader.GetInt64(0), shard, reader.GetFieldValue<byte[]>(1));
    }

    public LogTail ReadTails(IReadOnlyList<(int Shard, long AfterSeq)> positions, long fromSeq, int max)
    {
        if (positions.Count == 0) return new LogTail([], fromSeq);
        // One round trip for every shard of a worker, walking the log's positions after fromSeq once (an index probe per
        // shard cost the server more than the rows did with dozens of shards). The end of the log is read first: positions
        // become visible in order, so when fewer than max entries come back, everything up to it has been seen.
        using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT COALESCE(max(seq), 0) FROM log"));
        var tails = new NpgsqlBatchCommand("""
            SELECT l.seq, l.shard, l.payload FROM log l JOIN unnest(@shards, @after) AS p(shard, after) ON l.shard = p.shard AND l.seq > p.after
            WHERE l.seq > @from ORDER BY l.seq LIMIT @max
            """);
        tails.Parameters.AddWithValue("shards", positions.Select(p => p.Shard).ToArray());
        tails.Parameters.AddWithValue("after", positions.Select(p => p.AfterSeq).ToArray());
        tails.Parameters.AddWithValue("from", fromSeq);
        tails.Parameters.AddWithValue("max", max);
        batch.BatchCommands.Add(tails);
        using var reader = batch.ExecuteReader();
        reader.Read();
        var end = reader.GetInt64(0);
        reader.NextResult();
        var entries = new List<StoredEntry>();
        while (reader.Read())
            entries.Add(new StoredEntry(reader.GetInt64(0), reader.GetInt32(1), reader.GetFieldValue<byte[]>(2)));
        var last = entries.Count > 0 ? entries[^1].Seq : fromSeq;
        return new LogTail(entries, entries.Count == max ? last : Math.Max(Math.Max(fromSeq, last), end));
    }

    public ShardCheckpoint? LoadCheckpoint(int shard)
    {
        using var command = _dataSource.CreateCommand("SELECT applied_seq, partials FROM checkpoints WHERE shard = @shard");
        command.Parameters.AddWithValue("shard", shard);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new ShardCheckpoint(shard, reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)) : null;
    }

    public byte[]? LoadGrain(int shard, string grainKey)
    {
        using var command = _dataSource.CreateCommand("SELECT state FROM grains WHERE shard = @shard AND key = @key");
        command.Parameters.AddWithValue("shard", shard);
        command.Parameters.AddWithValue("key", grainKey);
        return command.ExecuteScalar() as byte[];
    }

    private static void WriteIdentities(NpgsqlConnection connection, NpgsqlTransaction tx, IdentityPlan plan)
    {
        var identities = plan.IdentitiesToWrite.GroupBy(i => i.Key).Select(g => g.Last()).ToList();
        if (identities.Count > 0)
        {
            using var upsert = new NpgsqlCommand("""
                INSERT INTO identities(key, card, branch, alias_of) SELECT * FROM unnest(@k, @c, @b, @a)
                ON CONFLICT (key) DO UPDATE SET card = excluded.card, branch = excluded.branch, alias_of = excluded.alias_of
                """, connection, tx);
            upsert.Parameters.AddWithValue("k", identities.Select(i => i.Key).ToArray());
            upsert.Parameters.AddWithValue("c", NpgsqlDbType.Array | NpgsqlDbType.Text, identities.Select(i => (object?)i.CardKey ?? DBNull.Value).ToArray());
            upsert.Parameters.AddWithValue("b", identities.Select(i => i.Branch).ToArray());
            upsert.Parameters.AddWithValue("a", NpgsqlDbType.Array | NpgsqlDbType.Text, identities.Select(i => (object?)i.AliasOf ?? DBNull.Value).ToArray());
            upsert.ExecuteNonQuery();
        }
        var waiting = plan.WaitingToInsert;
        if (waiting.Count > 0)
        {
            using var insert = new NpgsqlCommand("INSERT INTO waiting(key, payload) SELECT * FROM unnest(@k, @p)", connection, tx);
            insert.Parameters.AddWithValue("k", waiting.Select(w => w.IdentityKey).ToArray());
            insert.Parameters.AddWithValue("p", waiting.Select(w => w.Payload).ToArray());
            insert.ExecuteNonQuery();
        }
        var released = plan.WaitingToDelete;
        if (released.Count > 0)
        {
            using var delete = new NpgsqlCommand("DELETE FROM waiting WHERE id = ANY(@ids)", connection, tx);
            delete.Parameters.AddWithValue("ids", released.ToArray());
            delete.ExecuteNonQuery();
        }
        InsertDecisions(connection, tx, plan.DecisionsToWrite);
        UpsertPersonCards(connection, tx, plan.PersonCardsToWrite);
    }

    /// <summary>The identity plan's view of the store, inside the append's transaction.</summary>
    private sealed class Reader(NpgsqlConnection connection, NpgsqlTransaction tx) : IIdentityReader
    {
        public IReadOnlyDictionary<string, string> CardsOf(IReadOnlyCollection<string> keys)
        {
            var cards = new Dictionary<string, string>();
            if (keys.Count == 0) return cards;
            using var command = new NpgsqlCommand("SELECT key, card FROM identities WHERE key = ANY(@k) AND card IS NOT NULL", connection, tx);
            command.Parameters.AddWithValue("k", keys.ToArray());
            using var reader = command.ExecuteReader();
            while (reader.Read()) cards[reader.GetString(0)] = reader.GetString(1);
            return cards;
        }

        public IReadOnlyList<AppliedDecision> DecisionsOn(IReadOnlyCollection<string> receiptIdentities)
        {
            using var command = new NpgsqlCommand("SELECT key, payload FROM decisions WHERE key = ANY(@k) ORDER BY id", connection, tx);
            command.Parameters.AddWithValue("k", receiptIdentities.ToArray());
            using var reader = command.ExecuteReader();
            var decisions = new List<AppliedDecision>();
            while (reader.Read()) decisions.Add(new AppliedDecision(reader.GetString(0), reader.GetFieldValue<byte[]>(1)));
            return decisions;
        }

        public PersonCardRow? PersonCardOn(string personId, int day)
        {
            using var command = new NpgsqlCommand("""
                SELECT valid_from, card, branch FROM person_cards WHERE person = @p AND valid_from <= @d ORDER BY valid_from DESC LIMIT 1
                """, connection, tx);
            command.Parameters.AddWithValue("p", personId);
            command.Parameters.AddWithValue("d", day);
            using var reader = command.ExecuteReader();
            return reader.Read() ? new PersonCardRow(personId, reader.GetInt32(0), reader.GetString(1), reader.GetString(2)) : null;
        }

        public bool AnyWaiting()
        {
            using var command = new NpgsqlCommand("SELECT EXISTS(SELECT 1 FROM waiting)", connection, tx);
            return command.ExecuteScalar() is true;
        }

        public IdentityRow? Find(string key)
        {
            using var command = new NpgsqlCommand("SELECT card, branch, alias_of FROM identities WHERE key = @k", connection, tx);
            command.Parameters.AddWithValue("k", key);
            using var reader = command.ExecuteReader();
            return IdentityRow.Read(key, reader);
        }

        public IReadOnlyList<string> AliasesOf(string key)
        {
            using var command = new NpgsqlCommand("SELECT key FROM identities WHERE alias_of = @k ORDER BY key COLLATE \"C\"", connection, tx);
            command.Parameters.AddWithValue("k", key);
            using var reader = command.ExecuteReader();
            var keys = new List<string>();
            while (reader.Read()) keys.Add(reader.GetString(0));
            return keys;
        }

        public IReadOnlyList<(long Id, WaitingRecord Record)> Waiting(string key)
        {
            using var command = new NpgsqlCommand("SELECT id, payload FROM waiting WHERE key = @k ORDER BY id", connection, tx);
            command.Parameters.AddWithValue("k", key);
            using var reader = command.ExecuteReader();
            var rows = new List<(long, WaitingRecord)>();
            while (reader.Read()) rows.Add((reader.GetInt64(0), new WaitingRecord(key, reader.GetFieldValue<byte[]>(1))));
            return rows;
        }
    }

    public int WaitingCount()
    {
        using var command = _dataSource.CreateCommand("SELECT count(*) FROM waiting");
        return Convert.ToInt32(command.ExecuteScalar());
    }

    public IReadOnlyList<string> GrainKeys(int shard)
    {
        using var command = _dataSource.CreateCommand("SELECT key FROM grains WHERE shard = @shard ORDER BY key COLLATE \"C\"");
        command.Parameters.AddWithValue("shard", shard);
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    }

    public IReadOnlyDictionary<(int Shard, string Key), byte[]> LoadGrains(IReadOnlyCollection<(int Shard, string Key)> grains)
    {
        var found = new Dictionary<(int, string), byte[]>();
        if (grains.Count == 0) return found;
        using var command = _dataSource.CreateCommand("""
            SELECT g.shard, g.key, g.state FROM grains g JOIN unnest(@shards, @keys) AS w(shard, key) ON g.shard = w.shard AND g.key = w.key
            """);
        command.Parameters.AddWithValue("shards", grains.Select(g => g.Shard).ToArray());
        command.Parameters.AddWithValue("keys", grains.Select(g => g.Key).ToArray());
        using var reader = command.ExecuteReader();
        while (reader.Read()) found[(reader.GetInt32(0), reader.GetString(1))] = reader.GetFieldValue<byte[]>(2);
        return found;
    }

    public void WriteCheckpoint(CheckpointWrite checkpoint)
    {
        using var connection = _dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        WriteCheckpointRows(connection, tx, [checkpoint]);
        tx.Commit();
    }

    public IReadOnlyList<byte[]> LoadFindings(int shard) => LoadShardRows("findings", "id", shard);

    public IEnumerable<ScopedRow> FindingsInScope(string scope) => LoadScoped("findings", scope);

    public IReadOnlyList<CellDelta> LoadKpiTotals() => LoadTotals("kpi_totals");

    public IReadOnlyList<CellDelta> LoadMeasureTotals() => LoadTotals("measure_totals");

    private List<CellDelta> LoadTotals(string table)
    {
        using var command = _dataSource.CreateCommand($"SELECT key, v FROM {table}");
        using var reader = command.ExecuteReader();
        return ReadTotals(reader);
    }

    private static List<CellDelta> ReadTotals(NpgsqlDataReader reader)
    {
        var totals = new List<CellDelta>();
        while (reader.Read()) totals.Add(new CellDelta(reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<long[]>(1)));
        return totals;
    }

    /// <summary>
    /// Adds the cells' changes to their totals in one statement, in key order (<see cref="CellValues.Merge"/>: other
    /// silos' checkpoints add to the same rows). The values travel as one flat array, a cell's slice each.
    /// </summary>
    private static void AddToTotals(NpgsqlConnection connection, NpgsqlTransaction tx, string table, List<CellDelta> cells)
    {
        if (cells.Count == 0) return;
        var width = cells.Max(c => c.Values.Length);
        var values = new long[cells.Count * width];
        for (var i = 0; i < cells.Count; i++) cells[i].Values.CopyTo(values, i * width);
        using var upsert = new NpgsqlCommand($"""
            INSERT INTO {table}(key, v)
            SELECT k.key, @values[(k.i - 1) * @width + 1 : k.i * @width] FROM unnest(@keys) WITH ORDINALITY AS k(key, i) ORDER BY k.key
            ON CONFLICT (key) DO UPDATE SET xid = pg_current_xact_id(), v = (
                SELECT array_agg(COALESCE(a, 0) + COALESCE(b, 0) ORDER BY n) FROM unnest({table}.v, excluded.v) WITH ORDINALITY AS u(a, b, n))
            """, connection, tx);
        upsert.Parameters.AddWithValue("keys", cells.Select(c => c.Key).ToArray());
        upsert.Parameters.AddWithValue("values", values);
        upsert.Parameters.AddWithValue("width", width);
        upsert.ExecuteNonQuery();
    }

    public IReadOnlyList<byte[]> LoadHighCost(int shard) => LoadShardRows("high_cost", "id", shard);

    public IEnumerable<ScopedRow> HighCostInScope(string scope) => LoadScoped("high_cost", scope);

    // Streamed: a worklist keeps the rows it needs, not the scope's.
    private IEnumerable<ScopedRow> LoadScoped(string table, string scope)
    {
        using var command = _dataSource.CreateCommand($"SELECT seq, body FROM {table} WHERE scope = @scope");
        command.Parameters.AddWithValue("scope", scope);
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return new ScopedRow(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
    }

    public IReadOnlyList<byte[]> LoadTimers(int shard) => LoadShardRows("timers", "id", shard);

    // Byte order ("C"), as SQLite compares: the database's own collation may order digits and '/' otherwise.
    public IReadOnlyList<byte[]> TimersBefore(int shard, string keyBound) =>
        LoadRows("SELECT body FROM timers WHERE shard = @p1 AND id COLLATE \"C\" < @p2 ORDER BY id COLLATE \"C\"", shard, keyBound);

    /// <summary>A shard's keyed blobs (findings, 高額療養費 rows, timers) in key order.</summary>
    private IReadOnlyList<byte[]> LoadShardRows(string table, string keyColumn, int shard) =>
        LoadRows($"SELECT body FROM {table} WHERE shard = @p1 ORDER BY {keyColumn} COLLATE \"C\"", shard);

    /// <summary>The blobs a query returns (its parameters are @p1, @p2, … in order).</summary>
    private IReadOnlyList<byte[]> LoadRows(string sql, params object[] parameters)
    {
        using var command = _dataSource.CreateCommand(sql);
        for (var i = 0; i < parameters.Length; i++) command.Parameters.AddWithValue($"p{i + 1}", parameters[i]);
        using var reader = command.ExecuteReader();
        var rows = new List<byte[]>();
        while (reader.Read()) rows.Add(reader.GetFieldValue<byte[]>(0));
        return rows;
    }

    /// <summary>
    /// Upserts the checkpoints' keyed blobs of one table (grain snapshots, findings, 高額療養費 rows or timers), every shard's in one
    /// statement; an empty blob deletes its row.
    /// </summary>
    private static void UpsertShardRows(NpgsqlConnection connection, NpgsqlTransaction tx, string table, string keyColumn, string bodyColumn,
        bool scoped, IReadOnlyList<CheckpointWrite> checkpoints, Func<CheckpointWrite, IReadOnlyCollection<ShardRow>> rowsOf)
    {
        var rows = checkpoints.SelectMany(c => rowsOf(c).Select(r => (c.Shard, c.AppliedSeq, Row: r))).ToList();
        var kept = rows.Where(r => r.Row.Body.Length > 0).ToList();
        if (kept.Count > 0)
        {
            using var upsert = new NpgsqlCommand(scoped
                ? $"""
                  INSERT INTO {table}(shard, {keyColumn}, {bodyColumn}, scope, seq) SELECT * FROM unnest(@shards, @keys, @bodies, @scopes, @seqs)
                  ON CONFLICT (shard, {keyColumn}) DO UPDATE SET {bodyColumn} = excluded.{bodyColumn}, scope = excluded.scope, seq = excluded.seq
                  """
                : $"""
                  INSERT INTO {table}(shard, {keyColumn}, {bodyColumn}) SELECT * FROM unnest(@shards, @keys, @bodies)
                  ON CONFLICT (shard, {keyColumn}) DO UPDATE SET {bodyColumn} = excluded.{bodyColumn}
                  """, connection, tx);
            upsert.Parameters.AddWithValue("shards", kept.Select(r => r.Shard).ToArray());
            upsert.Parameters.AddWithValue("keys", kept.Select(r => r.Row.Key).ToArray());
            upsert.Parameters.AddWithValue("bodies", kept.Select(r => r.Row.Body).ToArray());
            if (scoped)
            {
                upsert.Parameters.AddWithValue("scopes", kept.Select(r => r.Row.Scope ?? throw new ArgumentException($"a {table} row needs a scope")).ToArray());
                upsert.Parameters.AddWithValue("seqs", kept.Select(r => r.AppliedSeq).ToArray());
            }
            upsert.ExecuteNonQuery();
        }
        if (kept.Count == rows.Count) return;
        var deleted = rows.Where(r => r.Row.Body.Length == 0).ToList();
        using var delete = new NpgsqlCommand($"""
            DELETE FROM {table} t USING unnest(@shards, @keys) AS d(shard, key) WHERE t.shard = d.shard AND t.{keyColumn} = d.key
            """, connection, tx);
        delete.Parameters.AddWithValue("shards", deleted.Select(r => r.Shard).ToArray());
        delete.Parameters.AddWithValue("keys", deleted.Select(r => r.Row.Key).ToArray());
        delete.ExecuteNonQuery();
    }

    /// <summary>
    /// The shards' own rows first, then the totals every shard adds to, so the totals' row locks are held briefly (other
    /// silos' checkpoints wait for them).
    /// </summary>
    private static void WriteCheckpointRows(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<CheckpointWrite> checkpoints)
    {
        foreach (var (table, keyColumn, bodyColumn, scoped, rows) in CheckpointWrite.KeyedRows)
            UpsertShardRows(connection, tx, table, keyColumn, bodyColumn, scoped, checkpoints, rows);
        using var checkpoint = new NpgsqlCommand("""
            INSERT INTO checkpoints(shard, applied_seq, partials) SELECT * FROM unnest(@shards, @seqs, @partials)
            ON CONFLICT (shard) DO UPDATE SET applied_seq = excluded.applied_seq, partials = excluded.partials
            """, connection, tx);
        checkpoint.Parameters.AddWithValue("shards", checkpoints.Select(c => c.Shard).ToArray());
        checkpoint.Parameters.AddWithValue("seqs", checkpoints.Select(c => c.AppliedSeq).ToArray());
        checkpoint.Parameters.AddWithValue("partials", checkpoints.Select(c => c.Partials).ToArray());
        checkpoint.ExecuteNonQuery();
        AddToTotals(connection, tx, "kpi_totals", CellValues.Merge(checkpoints.SelectMany(c => c.KpiCells)));
        AddToTotals(connection, tx, "measure_totals", CellValues.Merge(checkpoints.SelectMany(c => c.MeasureCells)));
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, tx);
        command.ExecuteNonQuery();
    }

    private static T Scalar<T>(NpgsqlConnection connection, NpgsqlTransaction tx, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, tx);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));
    }

    public void Dispose() => _dataSource.Dispose();
}
