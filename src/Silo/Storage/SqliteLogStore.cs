using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Shinsa.Silo.Actors;

namespace Shinsa.Silo.Storage;

/// <summary>
/// The embedded store: two SQLite files in WAL mode. The log file (<c>shinsa.db</c>: the input log, submissions, the
/// card index, identities and waiting records) commits with synchronous=FULL, so a commit that returned is on disk and
/// an acknowledged submission survives a crash, even of the machine (invariant 1). Log positions are assigned here by
/// the single appender; a log row holds a shard's entries of one append and is keyed by its last position (<see cref="LogGroup"/>).
/// The state file (<c>shinsa.state.db</c> beside it: checkpoints, grain snapshots, findings) holds only what the log
/// can rebuild, so it commits with synchronous=NORMAL: WAL keeps it consistent (a checkpoint is all there or not at
/// all), and a power cut can at worst take back its last checkpoints, after which recovery replays a longer log tail
/// (never past what the log holds: records reach the workers only after their append committed). Two files also
/// mean two writers: a shard's checkpoint never holds up the appender, which the 202s wait for.
/// </summary>
public sealed class SqliteLogStore : ILogStore
{
    // 2: identities and waiting records (decisions and care claims that name a receipt or a care card).
    // 3: checkpoints, grains and findings in the state file; identities WITHOUT ROWID, aliases indexed only where set.
    // 4: 高額療養費 rows and timers as rows of their own (a silo of schema 3 would find them missing from the partials).
    // 5: findings and 高額療養費 rows have the scope the worklists query by and the position of the checkpoint that
    //    wrote them; measure cells are rows (a silo of schema 4 would write rows without them).
    // 6: KPI and measure cells are totals over the shards (kpi_totals, measure_totals), added to by each checkpoint; a
    //    silo of schema 5 would find its per-shard cells gone.
    // 7: the review decisions that went into the log, by receipt (decisions), so they follow a receipt to another card,
    //    and people's medical cards by the day each began (person_cards), which care claims go by; a silo of schema 6
    //    would not write them.
    private const int SchemaVersion = 7;
    private readonly Database _log;
    private readonly Database _state;
    private long _lastSeq;

    public SqliteLogStore(string databasePath)
    {
        DatabasePath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        StatePath = Path.Combine(Path.GetDirectoryName(DatabasePath)!, Path.GetFileNameWithoutExtension(DatabasePath) + ".state.db");
        _log = new Database(DatabasePath, "FULL");
        _state = new Database(StatePath, "NORMAL");
    }

    public string DatabasePath { get; }

    /// <summary>The file of checkpoints, grain snapshots and findings (rebuilt from the log if it is lost).</summary>
    public string StatePath { get; }

    public string Description => $"SQLite {DatabasePath}";

    /// <summary>
    /// One SQLite file: its connections (reused sessions) and its writer lock. SQLite has one writer at a time per
    /// file; a second one gets SQLITE_BUSY and sleeps in growing steps (up to 100 ms). Taking turns on an in-process
    /// lock instead keeps writers from sleeping.
    /// </summary>
    private sealed class Database(string path, string synchronous)
    {
        private readonly string _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false, // sessions below keep their connections open
            DefaultTimeout = 60,
        }.ToString();

        private readonly System.Collections.Concurrent.ConcurrentBag<Session> _sessions = new();
        public object WriteLock { get; } = new();

        public Lease Rent()
        {
            if (_sessions.TryTake(out var session)) return new Lease(this, session);
            var connection = new SqliteConnection(_connectionString);
            connection.Open();
            Execute(connection, $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=60000;");
            connection.CreateFunction<byte[], byte[], byte[]>(AddValues, CellValues.Add, isDeterministic: true);
            return new Lease(this, new Session(connection));
        }

        public void Return(Session session) => _sessions.Add(session);

        public void Dispose()
        {
            while (_sessions.TryTake(out var session)) session.Dispose();
        }
    }

    /// <summary>
    /// A connection with its prepared commands. Sessions are reused, so the per-connection PRAGMAs run once and the
    /// hot statements (grain lookups, log inserts) are prepared once instead of on every call.
    /// </summary>
    private sealed class Session(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new();
        private readonly Dictionary<string, Statement> _statements = new();
        public SqliteConnection Connection { get; } = connection;

        public SqliteCommand Command(string sql, SqliteTransaction? tx = null)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = Connection.CreateCommand();
                command.CommandText = sql;
                _commands[sql] = command;
            }
            command.Transaction = tx;
            command.Parameters.Clear();
            return command;
        }

        /// <summary>A statement run once per record (see <see cref="Statement"/>), prepared on first use.</summary>
        public Statement Statement(string sql)
        {
            if (!_statements.TryGetValue(sql, out var statement)) _statements[sql] = statement = new Statement(Connection.Handle!, sql);
            return statement;
        }

        public void Dispose()
        {
            foreach (var s in _statements.Values) s.Dispose();
            foreach (var c in _commands.Values) c.Dispose();
            Connection.Dispose();
        }
    }

    private readonly record struct Lease(Database Database, Session Session) : IDisposable
    {
        public void Dispose() => Database.Return(Session);
    }

    private Lease Rent() => _log.Rent();

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }

    private ShardMap? _map;
    // An append's entries by shard and the writer of their rows, kept for every append (appends hold the write lock).
    private List<(long Seq, byte[] Payload)>[] _appendByShard = [];
    private Grains.CodecWriter _groupWriter = new();

    public void Initialize(int shardCount)
    {
        _map = new ShardMap(shardCount);
        _appendByShard = Enumerable.Range(0, shardCount).Select(_ => new List<(long Seq, byte[] Payload)>()).ToArray();
        string storeId;
        bool legacyState;
        using (var lease = _log.Rent())
        {
            var connection = lease.Session.Connection;
            Execute(connection, "PRAGMA journal_mode=WAL;");
            using var tx = connection.BeginTransaction();
            var decisionsKept = TableExists(connection, tx, "decisions");
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS log(seq INTEGER PRIMARY KEY, shard INTEGER NOT NULL, payload BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS log_by_shard ON log(shard, seq);
                CREATE TABLE IF NOT EXISTS submissions(id TEXT PRIMARY KEY, body BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS card_index(insurer_no TEXT NOT NULL, symbol TEXT NOT NULL, number TEXT NOT NULL,
                    branch TEXT NOT NULL, person_id TEXT NOT NULL, household_id TEXT NOT NULL,
                    PRIMARY KEY(insurer_no, symbol, number, branch));
                CREATE INDEX IF NOT EXISTS card_index_by_person ON card_index(person_id);
                CREATE TABLE IF NOT EXISTS identities(key TEXT PRIMARY KEY, card TEXT, branch TEXT NOT NULL, alias_of TEXT) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS waiting(id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, payload BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS waiting_by_key ON waiting(key);
                CREATE TABLE IF NOT EXISTS decisions(key TEXT NOT NULL, payload BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS decisions_by_key ON decisions(key);
                CREATE TABLE IF NOT EXISTS person_cards(person TEXT NOT NULL, valid_from INTEGER NOT NULL, card TEXT NOT NULL,
                    branch TEXT NOT NULL, PRIMARY KEY(person, valid_from)) WITHOUT ROWID;
                """, tx);
            if (!decisionsKept) KeepFromLog(connection, tx);
            var storedVersion = ReadMeta(connection, tx, "schema_version");
            if (storedVersion is not null && int.Parse(storedVersion) > SchemaVersion)
                throw new InvalidOperationException($"{DatabasePath} has schema version {storedVersion}; this silo knows up to {SchemaVersion}.");
            var storedShards = ReadMeta(connection, tx, "shard_count");
            if (storedShards is not null && int.Parse(storedShards) != shardCount)
                throw new InvalidOperationException(
                    $"{DatabasePath} was created with {storedShards} shards; the configured shard count is {shardCount}. " +
                    "The shard count is fixed per deployment: set Shinsa:ShardCount back to " + storedShards + " or use a new data dir.");
            MigrateIdentities(connection, tx);
            // A receipt's identity has no alias: only the few rows that have one are indexed.
            Execute(connection, "CREATE INDEX IF NOT EXISTS identities_by_alias ON identities(alias_of) WHERE alias_of IS NOT NULL", tx);
            legacyState = TableExists(connection, tx, "checkpoints");
            // Ties the state file to this log, so a state file beside another log is refused instead of replayed wrongly.
            storeId = ReadMeta(connection, tx, "store_id") ?? Guid.NewGuid().ToString("N");
            WriteMeta(connection, tx, "store_id", storeId);
            WriteMeta(connection, tx, "schema_version", SchemaVersion.ToString());
            WriteMeta(connection, tx, "shard_count", shardCount.ToString());
            using (var command = connection.CreateCommand())
            {
                command.Transaction = tx;
                command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM log";
                _lastSeq = (long)command.ExecuteScalar()!;
            }
            tx.Commit();
        }
        InitializeState(storeId, legacyState);
    }

    public int? StoredShardCount()
    {
        if (!File.Exists(DatabasePath)) return null;
        using var lease = _log.Rent();
        var connection = lease.Session.Connection;
        if (!TableExists(connection, null, "meta")) return null;
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = 'shard_count'";
        return command.ExecuteScalar() is string stored ? int.Parse(stored) : null;
    }

    /// <summary>Schema 7: the decisions and people's medical cards already in the log (of an older schema, or none at all).</summary>
    private static void KeepFromLog(SqliteConnection connection, SqliteTransaction tx)
    {
        KeptFromLog kept;
        using (var select = connection.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = "SELECT seq, payload FROM log ORDER BY seq";
            using var reader = select.ExecuteReader();
            kept = KeptFromLog.Read(Payloads(reader));
        }
        InsertDecisions(connection, tx, kept.Decisions);
        UpsertPersonCards(connection, tx, kept.PersonCards);

        static IEnumerable<byte[]> Payloads(SqliteDataReader reader)
        {
            while (reader.Read())
                foreach (var (_, payload) in LogGroup.Decode(reader.GetInt64(0), (byte[])reader.GetValue(1), 0))
                    yield return payload;
        }
    }

    private static void UpsertPersonCards(SqliteConnection connection, SqliteTransaction tx, IEnumerable<PersonCardRow> cards)
    {
        using var upsert = connection.CreateCommand();
        upsert.Transaction = tx;
        upsert.CommandText = """
            INSERT INTO person_cards(person, valid_from, card, branch) VALUES($p, $f, $c, $b)
            ON CONFLICT(person, valid_from) DO UPDATE SET card = excluded.card, branch = excluded.branch
            """;
        var (p, f, c, b) = (upsert.Parameters.Add("$p", SqliteType.Text), upsert.Parameters.Add("$f", SqliteType.Integer),
            upsert.Parameters.Add("$c", SqliteType.Text), upsert.Parameters.Add("$b", SqliteType.Text));
        foreach (var card in cards)
        {
            p.Value = card.PersonId; f.Value = card.ValidFrom; c.Value = card.CardKey; b.Value = card.Branch;
            upsert.ExecuteNonQuery();
        }
    }

    private static void InsertDecisions(SqliteConnection connection, SqliteTransaction tx, IEnumerable<AppliedDecision> decisions)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO decisions(key, payload) VALUES($k, $p)";
        var (k, p) = (insert.Parameters.Add("$k", SqliteType.Text), insert.Parameters.Add("$p", SqliteType.Blob));
        foreach (var decision in decisions)
        {
            k.Value = decision.ReceiptIdentity; p.Value = decision.Payload;
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Schema 2 kept identities in a rowid table with two indexes; schema 3 keys them directly (one b-tree to write per receipt).</summary>
    private static void MigrateIdentities(SqliteConnection connection, SqliteTransaction tx)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'identities'";
        if (command.ExecuteScalar() is not string sql || sql.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase)) return;
        Execute(connection, """
            CREATE TABLE identities_v3(key TEXT PRIMARY KEY, card TEXT, branch TEXT NOT NULL, alias_of TEXT) WITHOUT ROWID;
            INSERT INTO identities_v3(key, card, branch, alias_of) SELECT key, card, branch, alias_of FROM identities;
            DROP TABLE identities;
            ALTER TABLE identities_v3 RENAME TO identities;
            """, tx);
    }

    private static bool TableExists(SqliteConnection connection, SqliteTransaction? tx, string table, string schema = "main")
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = $t";
        command.Parameters.AddWithValue("$t", table);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>
    /// Creates the state file, or checks it belongs to this log. A data dir of schema 2 or older kept checkpoints,
    /// grains and findings in the log file: they are copied over (the copy commits before the old tables are dropped,
    /// and is simply done again if the silo stops in between: nothing writes either file until this returns).
    /// </summary>
    private void InitializeState(string storeId, bool legacyState)
    {
        using var lease = _state.Rent();
        var connection = lease.Session.Connection;
        Execute(connection, "PRAGMA journal_mode=WAL;");
        if (legacyState)
        {
            using var attach = connection.CreateCommand();
            attach.CommandText = "ATTACH DATABASE $path AS legacy";
            attach.Parameters.AddWithValue("$path", DatabasePath);
            attach.ExecuteNonQuery();
        }
        using (var tx = connection.BeginTransaction())
        {
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS checkpoints(shard INTEGER PRIMARY KEY, applied_seq INTEGER NOT NULL, partials BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS grains(shard INTEGER NOT NULL, key TEXT NOT NULL, state BLOB NOT NULL, PRIMARY KEY(shard, key));
                CREATE TABLE IF NOT EXISTS findings(shard INTEGER NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, scope TEXT, seq INTEGER, PRIMARY KEY(shard, id));
                CREATE TABLE IF NOT EXISTS kpi_totals(key BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS measure_totals(key BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS high_cost(shard INTEGER NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, scope TEXT, seq INTEGER, PRIMARY KEY(shard, id)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS timers(shard INTEGER NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY(shard, id)) WITHOUT ROWID;
                """, tx);
            // Schema 5: rows of an older state file have no scope; their shard rewrites them at its first checkpoint.
            foreach (var table in (string[])["findings", "high_cost"])
            {
                if (!ColumnExists(connection, tx, table, "scope")) Execute(connection, $"ALTER TABLE {table} ADD COLUMN scope TEXT; ALTER TABLE {table} ADD COLUMN seq INTEGER", tx);
                Execute(connection, $"CREATE INDEX IF NOT EXISTS {table}_by_scope ON {table}(scope) WHERE scope IS NOT NULL", tx);
            }
            // Schema 6: the cells of each shard become totals over the shards.
            MoveCellsToTotals(lease.Session, tx);
            var stateOf = ReadMeta(connection, tx, "store_id");
            if (stateOf is not null && stateOf != storeId)
                throw new InvalidOperationException(
                    $"{StatePath} belongs to another log than {DatabasePath}. Move it away (the silo rebuilds it from the log) or restore its own log.");
            if (legacyState)
            {
                Execute(connection, """
                    INSERT OR REPLACE INTO main.checkpoints(shard, applied_seq, partials) SELECT shard, applied_seq, partials FROM legacy.checkpoints;
                    INSERT OR REPLACE INTO main.grains(shard, key, state) SELECT shard, key, state FROM legacy.grains;
                    """, tx);
                if (TableExists(connection, tx, "findings", "legacy"))
                    Execute(connection, "INSERT OR REPLACE INTO main.findings(shard, id, body) SELECT shard, id, body FROM legacy.findings", tx);
            }
            WriteMeta(connection, tx, "store_id", storeId);
            tx.Commit();
        }
        if (!legacyState) return;
        Execute(connection, "DETACH DATABASE legacy");
        using var log = _log.Rent();
        using var drop = log.Session.Connection.BeginTransaction();
        Execute(log.Session.Connection, "DROP TABLE IF EXISTS checkpoints; DROP TABLE IF EXISTS grains; DROP TABLE IF EXISTS findings;", drop);
        drop.Commit();
    }

    /// <summary>
    /// Schema 5 kept each shard's KPI and measure cells (<c>kpi_cells</c>, <c>measure_cells</c>): they are summed over the
    /// shards into the totals, in the state file's migration transaction.
    /// </summary>
    private static void MoveCellsToTotals(Session session, SqliteTransaction tx)
    {
        foreach (var (from, to, sum) in CellValues.PerShardTables)
        {
            if (!TableExists(session.Connection, tx, from)) continue;
            var bodies = new List<byte[]>();
            using (var reader = session.Command($"SELECT body FROM {from}", tx).ExecuteReader())
                while (reader.Read()) bodies.Add((byte[])reader.GetValue(0));
            AddToTotals(session, to, sum(bodies));
            Execute(session.Connection, $"DROP TABLE {from}", tx);
        }
    }

    /// <summary>The SQL function that adds two cells' values (little-endian 64-bit integers, value by value).</summary>
    private const string AddValues = "shinsa_add";

    private static bool ColumnExists(SqliteConnection connection, SqliteTransaction tx, string table, string column)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT 1 FROM pragma_table_info('{table}') WHERE name = $c";
        command.Parameters.AddWithValue("$c", column);
        return command.ExecuteScalar() is not null;
    }

    private static string? ReadMeta(SqliteConnection connection, SqliteTransaction tx, string key)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT value FROM meta WHERE key = $k";
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() as string;
    }

    private static void WriteMeta(SqliteConnection connection, SqliteTransaction tx, string key, string value)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "INSERT INTO meta(key, value) VALUES($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        command.Parameters.AddWithValue("$k", key);
        command.Parameters.AddWithValue("$v", value);
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<AppendOutcome> Append(IReadOnlyList<SubmissionAppend> batch)
    {
        lock (_log.WriteLock)
        {
            using var lease = _log.Rent();
            using var tx = lease.Session.Connection.BeginTransaction();
            var exists = lease.Session.Command("SELECT 1 FROM submissions WHERE id = $id", tx);
            var existsId = exists.Parameters.Add("$id", SqliteType.Text);

            var insertSubmission = lease.Session.Command("INSERT INTO submissions(id, body) VALUES($id, $body)", tx);
            var sId = insertSubmission.Parameters.Add("$id", SqliteType.Text);
            var sBody = insertSubmission.Parameters.Add("$body", SqliteType.Blob);

            var upsertCard = lease.Session.Command("""
                INSERT INTO card_index(insurer_no, symbol, number, branch, person_id, household_id) VALUES($i, $s, $n, $b, $p, $h)
                ON CONFLICT(insurer_no, symbol, number, branch) DO UPDATE SET person_id = excluded.person_id, household_id = excluded.household_id
                """, tx);
            var cI = upsertCard.Parameters.Add("$i", SqliteType.Text);
            var cS = upsertCard.Parameters.Add("$s", SqliteType.Text);
            var cN = upsertCard.Parameters.Add("$n", SqliteType.Text);
            var cB = upsertCard.Parameters.Add("$b", SqliteType.Text);
            var cP = upsertCard.Parameters.Add("$p", SqliteType.Text);
            var cH = upsertCard.Parameters.Add("$h", SqliteType.Text);

            var plan = new IdentityPlan(new Reader(lease.Session, tx), _map ?? throw new InvalidOperationException("Initialize the store first"));
            var layout = AppendLayout.Of(batch, _lastSeq, id =>
            {
                existsId.Value = id;
                return exists.ExecuteScalar() is not null;
            }, plan);
            var insertEntry = lease.Session.Statement("INSERT INTO log(seq, shard, payload) VALUES(?1, ?2, ?3)");
            foreach (var entries in _appendByShard) entries.Clear(); // after an append that failed half-way
            foreach (var (seq, entry) in layout.Entries) _appendByShard[entry.Shard].Add((seq, entry.Payload));
            for (var shard = 0; shard < _appendByShard.Length; shard++)
            {
                var entries = _appendByShard[shard];
                if (entries.Count == 0) continue;
                insertEntry.Bind(1, entries[^1].Seq).Bind(2, shard).Bind(3, LogGroup.Encode(entries, _groupWriter)).Run();
                entries.Clear(); // the payloads are the workers' to keep or drop, not the store's
            }
            if (!_groupWriter.WorthKeeping) _groupWriter = new(); // a batch of large files grew it
            foreach (var (item, row) in layout.Stored)
            {
                foreach (var card in item.CardIndex)
                {
                    cI.Value = card.InsurerNo; cS.Value = card.Symbol; cN.Value = card.Number; cB.Value = card.Branch;
                    cP.Value = card.PersonId; cH.Value = card.HouseholdId;
                    upsertCard.ExecuteNonQuery();
                }
                sId.Value = row.Id;
                sBody.Value = JsonSerializer.SerializeToUtf8Bytes(row);
                insertSubmission.ExecuteNonQuery();
            }
            WriteIdentities(lease.Session, tx, plan);
            tx.Commit();
            _lastSeq = layout.LastSeq;
            return layout.Outcomes;
        }
    }

    private static void WriteIdentities(Session session, SqliteTransaction tx, IdentityPlan plan)
    {
        var upsert = session.Statement("""
            INSERT INTO identities(key, card, branch, alias_of) VALUES(?1, ?2, ?3, ?4)
            ON CONFLICT(key) DO UPDATE SET card = excluded.card, branch = excluded.branch, alias_of = excluded.alias_of
            """);
        foreach (var row in plan.IdentitiesToWrite)
            upsert.Bind(1, row.Key).Bind(2, row.CardKey).Bind(3, row.Branch).Bind(4, row.AliasOf).Run();
        var insert = session.Command("INSERT INTO waiting(key, payload) VALUES($k, $p)", tx);
        var (wk, wp) = (insert.Parameters.Add("$k", SqliteType.Text), insert.Parameters.Add("$p", SqliteType.Blob));
        foreach (var w in plan.WaitingToInsert)
        {
            wk.Value = w.IdentityKey; wp.Value = w.Payload;
            insert.ExecuteNonQuery();
        }
        var delete = session.Command("DELETE FROM waiting WHERE id = $id", tx);
        var id = delete.Parameters.Add("$id", SqliteType.Integer);
        foreach (var released in plan.WaitingToDelete)
        {
            id.Value = released;
            delete.ExecuteNonQuery();
        }
        if (plan.DecisionsToWrite.Count > 0) InsertDecisions(session.Connection, tx, plan.DecisionsToWrite);
        if (plan.PersonCardsToWrite.Count > 0) UpsertPersonCards(session.Connection, tx, plan.PersonCardsToWrite);
    }

    /// <summary>The identity plan's view of the store, inside the append's transaction.</summary>
    private sealed class Reader(Session session, SqliteTransaction tx) : IIdentityReader
    {
        public IReadOnlyDictionary<string, string> CardsOf(IReadOnlyCollection<string> keys)
        {
            var select = session.Statement("SELECT card FROM identities WHERE key = ?1 AND card IS NOT NULL");
            var cards = new Dictionary<string, string>();
            foreach (var key in keys)
                if (select.Bind(1, key).ReadText() is { } card) cards[key] = card;
            return cards;
        }

        public bool AnyWaiting() => session.Command("SELECT EXISTS(SELECT 1 FROM waiting)", tx).ExecuteScalar() is long n && n != 0;

        public IReadOnlyList<AppliedDecision> DecisionsOn(IReadOnlyCollection<string> receiptIdentities)
        {
            var command = session.Command("SELECT payload FROM decisions WHERE key = $k ORDER BY rowid", tx);
            var k = command.Parameters.Add("$k", SqliteType.Text);
            var decisions = new List<AppliedDecision>();
            foreach (var key in receiptIdentities)
            {
                k.Value = key;
                using var reader = command.ExecuteReader();
                while (reader.Read()) decisions.Add(new AppliedDecision(key, (byte[])reader.GetValue(0)));
            }
            return decisions;
        }

        public PersonCardRow? PersonCardOn(string personId, int day)
        {
            var command = session.Command("""
                SELECT valid_from, card, branch FROM person_cards WHERE person = $p AND valid_from <= $d ORDER BY valid_from DESC LIMIT 1
                """, tx);
            command.Parameters.AddWithValue("$p", personId);
            command.Parameters.AddWithValue("$d", day);
            using var reader = command.ExecuteReader();
            return reader.Read() ? new PersonCardRow(personId, reader.GetInt32(0), reader.GetString(1), reader.GetString(2)) : null;
        }

        public IdentityRow? Find(string key)
        {
            var command = session.Command("SELECT card, branch, alias_of FROM identities WHERE key = $k", tx);
            command.Parameters.AddWithValue("$k", key);
            using var reader = command.ExecuteReader();
            return IdentityRow.Read(key, reader);
        }

        public IReadOnlyList<string> AliasesOf(string key)
        {
            var command = session.Command("SELECT key FROM identities WHERE alias_of = $k ORDER BY key", tx);
            command.Parameters.AddWithValue("$k", key);
            using var reader = command.ExecuteReader();
            var keys = new List<string>();
            while (reader.Read()) keys.Add(reader.GetString(0));
            return keys;
        }

        public IReadOnlyList<(long Id, WaitingRecord Record)> Waiting(string key)
        {
            var command = session.Command("SELECT id, payload FROM waiting WHERE key = $k ORDER BY id", tx);
            command.Parameters.AddWithValue("$k", key);
            using var reader = command.ExecuteReader();
            var rows = new List<(long, WaitingRecord)>();
            while (reader.Read()) rows.Add((reader.GetInt64(0), new WaitingRecord(key, (byte[])reader.GetValue(1))));
            return rows;
        }
    }

    public int WaitingCount()
    {
        using var lease = Rent();
        return Convert.ToInt32(lease.Session.Command("SELECT count(*) FROM waiting").ExecuteScalar());
    }

    public SubmissionRow? FindSubmission(string id)
    {
        using var lease = Rent();
        // Asked once for every file posted (is it a resubmission?), and nearly always not found.
        var body = lease.Session.Statement("SELECT body FROM submissions WHERE id = ?1").Bind(1, id).ReadBlob();
        return body is null ? null : JsonSerializer.Deserialize<SubmissionRow>(body);
    }

    public CardIndexRow? FindCard(string insurerNo, string symbol, string number, string branch)
    {
        using var lease = Rent();
        var command = lease.Session.Command("""
            SELECT person_id, household_id FROM card_index
            WHERE insurer_no = $i AND symbol = $s AND number = $n AND branch = $b
            """);
        command.Parameters.AddWithValue("$i", insurerNo);
        command.Parameters.AddWithValue("$s", symbol);
        command.Parameters.AddWithValue("$n", number);
        command.Parameters.AddWithValue("$b", branch);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new CardIndexRow(insurerNo, symbol, number, branch, reader.GetString(0), reader.GetString(1)) : null;
    }

    public IReadOnlyList<CardIndexRow> CardsOfPerson(string personId)
    {
        using var lease = Rent();
        var command = lease.Session.Command("""
            SELECT insurer_no, symbol, number, branch, household_id FROM card_index WHERE person_id = $p ORDER BY insurer_no, symbol, number, branch
            """);
        command.Parameters.AddWithValue("$p", personId);
        using var reader = command.ExecuteReader();
        return CardIndexRow.ReadCardsOf(personId, reader);
    }

    public IEnumerable<StoredEntry> ReadShard(int shard, long afterSeq)
    {
        using var lease = Rent();
        var command = lease.Session.Command("SELECT seq, payload FROM log WHERE shard = $shard AND seq > $after ORDER BY seq");
        command.Parameters.AddWithValue("$shard", shard);
        command.Parameters.AddWithValue("$after", afterSeq);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            foreach (var (seq, payload) in LogGroup.Decode(reader.GetInt64(0), (byte[])reader.GetValue(1), afterSeq))
                yield return new StoredEntry(seq, shard, payload);
    }

    public ShardCheckpoint? LoadCheckpoint(int shard)
    {
        using var lease = _state.Rent();
        var command = lease.Session.Command("SELECT applied_seq, partials FROM checkpoints WHERE shard = $shard");
        command.Parameters.AddWithValue("$shard", shard);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new ShardCheckpoint(shard, reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
    }

    public byte[]? LoadGrain(int shard, string grainKey)
    {
        using var lease = _state.Rent();
        // Asked once for every grain a worker activates, most often for a household seen for the first time.
        return lease.Session.Statement("SELECT state FROM grains WHERE shard = ?1 AND key = ?2").Bind(1, shard).Bind(2, grainKey).ReadBlob();
    }

    public IReadOnlyDictionary<(int Shard, string Key), byte[]> LoadGrains(IReadOnlyCollection<(int Shard, string Key)> grains)
    {
        var found = new Dictionary<(int, string), byte[]>();
        if (grains.Count == 0) return found;
        using var lease = _state.Rent();
        // One read transaction for the whole batch: one lock and one look at the WAL instead of one per grain.
        using var tx = lease.Session.Connection.BeginTransaction(deferred: true);
        var select = lease.Session.Statement("SELECT state FROM grains WHERE shard = ?1 AND key = ?2");
        foreach (var grain in grains)
            if (select.Bind(1, grain.Shard).Bind(2, grain.Key).ReadBlob() is { } state) found[grain] = state;
        tx.Commit();
        return found;
    }

    public IReadOnlyList<string> GrainKeys(int shard)
    {
        using var lease = _state.Rent();
        var command = lease.Session.Command("SELECT key FROM grains WHERE shard = $shard ORDER BY key");
        command.Parameters.AddWithValue("$shard", shard);
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    }

    public void WriteCheckpoint(CheckpointWrite checkpoint)
    {
        lock (_state.WriteLock) WriteCheckpointLocked(checkpoint);
    }

    public IReadOnlyList<byte[]> LoadFindings(int shard) => LoadShardRows("findings", "id", shard);

    public IEnumerable<ScopedRow> FindingsInScope(string scope) => LoadScoped("findings", scope);

    public IReadOnlyList<CellDelta> LoadKpiTotals() => LoadTotals("kpi_totals");

    public IReadOnlyList<CellDelta> LoadMeasureTotals() => LoadTotals("measure_totals");

    private List<CellDelta> LoadTotals(string table)
    {
        using var lease = _state.Rent();
        var command = lease.Session.Command($"SELECT key, v FROM {table}");
        using var reader = command.ExecuteReader();
        var totals = new List<CellDelta>();
        while (reader.Read()) totals.Add(new CellDelta((byte[])reader.GetValue(0), CellValues.FromBytes((byte[])reader.GetValue(1))));
        return totals;
    }

    /// <summary>Adds the cells' changes to their totals (a new cell's row is its change).</summary>
    private static void AddToTotals(Session session, string table, IReadOnlyCollection<CellDelta> cells)
    {
        var upsert = session.Statement($"INSERT INTO {table}(key, v) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET v = {AddValues}(v, excluded.v)");
        foreach (var cell in cells) upsert.Bind(1, cell.Key).Bind(2, CellValues.ToBytes(cell.Values)).Run();
    }

    public IReadOnlyList<byte[]> LoadHighCost(int shard) => LoadShardRows("high_cost", "id", shard);

    public IEnumerable<ScopedRow> HighCostInScope(string scope) => LoadScoped("high_cost", scope);

    // Streamed: a worklist keeps the rows it needs, not the scope's.
    private IEnumerable<ScopedRow> LoadScoped(string table, string scope)
    {
        using var lease = _state.Rent();
        var command = lease.Session.Command($"SELECT seq, body FROM {table} WHERE scope = $scope");
        command.Parameters.AddWithValue("$scope", scope);
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return new ScopedRow(reader.GetInt64(0), (byte[])reader.GetValue(1));
    }

    public IReadOnlyList<byte[]> LoadTimers(int shard) => LoadShardRows("timers", "id", shard);

    public IReadOnlyList<byte[]> TimersBefore(int shard, string keyBound) =>
        LoadRows("SELECT body FROM timers WHERE shard = $p1 AND id < $p2 ORDER BY id", shard, keyBound);

    /// <summary>A shard's keyed blobs (findings, 高額療養費 rows, timers) in key order.</summary>
    private IReadOnlyList<byte[]> LoadShardRows(string table, string keyColumn, int shard) =>
        LoadRows($"SELECT body FROM {table} WHERE shard = $p1 ORDER BY {keyColumn}", shard);

    /// <summary>The blobs a query on the state file returns (its parameters are $p1, $p2, … in order).</summary>
    private IReadOnlyList<byte[]> LoadRows(string sql, params object[] parameters)
    {
        using var lease = _state.Rent();
        var command = lease.Session.Command(sql);
        for (var i = 0; i < parameters.Length; i++) command.Parameters.AddWithValue($"$p{i + 1}", parameters[i]);
        using var reader = command.ExecuteReader();
        var rows = new List<byte[]>();
        while (reader.Read()) rows.Add((byte[])reader.GetValue(0));
        return rows;
    }

    /// <summary>Upserts a shard's keyed blobs (grain snapshots, findings, 高額療養費 rows, timers); an empty blob deletes its row.</summary>
    private static void UpsertShardRows(Session session, SqliteTransaction tx, string table, string keyColumn, string bodyColumn, bool scoped,
        int shard, long appliedSeq, IReadOnlyCollection<ShardRow> rows)
    {
        var upsert = session.Statement(scoped
            ? $"INSERT INTO {table}(shard, {keyColumn}, {bodyColumn}, scope, seq) VALUES(?1, ?2, ?3, ?4, ?5) " +
              $"ON CONFLICT(shard, {keyColumn}) DO UPDATE SET {bodyColumn} = excluded.{bodyColumn}, scope = excluded.scope, seq = excluded.seq"
            : $"INSERT INTO {table}(shard, {keyColumn}, {bodyColumn}) VALUES(?1, ?2, ?3) " +
              $"ON CONFLICT(shard, {keyColumn}) DO UPDATE SET {bodyColumn} = excluded.{bodyColumn}");
        var delete = session.Statement($"DELETE FROM {table} WHERE shard = ?1 AND {keyColumn} = ?2");
        foreach (var row in rows)
            if (row.Body.Length == 0) delete.Bind(1, shard).Bind(2, row.Key).Run();
            else if (scoped) upsert.Bind(1, shard).Bind(2, row.Key).Bind(3, row.Body).Bind(4, row.Scope ?? throw new ArgumentException($"a {table} row needs a scope")).Bind(5, appliedSeq).Run();
            else upsert.Bind(1, shard).Bind(2, row.Key).Bind(3, row.Body).Run();
    }

    private void WriteCheckpointLocked(CheckpointWrite checkpoint)
    {
        using var lease = _state.Rent();
        var connection = lease.Session.Connection;
        using var tx = connection.BeginTransaction();
        foreach (var (table, keyColumn, bodyColumn, scoped, rows) in CheckpointWrite.KeyedRows)
            UpsertShardRows(lease.Session, tx, table, keyColumn, bodyColumn, scoped, checkpoint.Shard, checkpoint.AppliedSeq, rows(checkpoint));
        AddToTotals(lease.Session, "kpi_totals", checkpoint.KpiCells);
        AddToTotals(lease.Session, "measure_totals", checkpoint.MeasureCells);
        var position = lease.Session.Command("""
            INSERT INTO checkpoints(shard, applied_seq, partials) VALUES($shard, $seq, $partials)
            ON CONFLICT(shard) DO UPDATE SET applied_seq = excluded.applied_seq, partials = excluded.partials
            """, tx);
        position.Parameters.AddWithValue("$shard", checkpoint.Shard);
        position.Parameters.AddWithValue("$seq", checkpoint.AppliedSeq);
        position.Parameters.AddWithValue("$partials", checkpoint.Partials);
        position.ExecuteNonQuery();
        tx.Commit();
    }

    public void Dispose()
    {
        _log.Dispose();
        _state.Dispose();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>
    /// A prepared statement driven through SQLite's own API. The store runs a few statements once per record (a log
    /// entry, an identity, a grain lookup, a grain snapshot); through ADO.NET each run allocated a reader, binders and
    /// enumerators, a large share of ingest's garbage. Runs inside whatever transaction its connection has open.
    /// </summary>
    private sealed class Statement : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _stmt;

        public Statement(sqlite3 db, string sql)
        {
            _db = db;
            Check(raw.sqlite3_prepare_v2(db, sql, out _stmt));
        }

        public Statement Bind(int index, long value) { Check(raw.sqlite3_bind_int64(_stmt, index, value)); return this; }

        public Statement Bind(int index, string? value)
        {
            Check(value is null ? raw.sqlite3_bind_null(_stmt, index) : raw.sqlite3_bind_text(_stmt, index, value));
            return this;
        }

        public Statement Bind(int index, ReadOnlySpan<byte> value)
        {
            // An empty blob is still a value, not NULL (which a NOT NULL column refuses).
            Check(value.Length == 0 ? raw.sqlite3_bind_zeroblob(_stmt, index, 0) : raw.sqlite3_bind_blob(_stmt, index, value));
            return this;
        }

        /// <summary>Runs a statement that returns no row.</summary>
        public void Run()
        {
            try { Done(raw.sqlite3_step(_stmt)); }
            finally { raw.sqlite3_reset(_stmt); }
        }

        /// <summary>The first column of the first row as bytes; null when there is no row.</summary>
        public byte[]? ReadBlob() => ReadFirst(static stmt => raw.sqlite3_column_blob(stmt, 0).ToArray());

        /// <summary>The first column of the first row as text; null when there is no row.</summary>
        public string? ReadText() => ReadFirst(static stmt => raw.sqlite3_column_text(stmt, 0).utf8_to_string());

        private T? ReadFirst<T>(Func<sqlite3_stmt, T> column) where T : class
        {
            try
            {
                var rc = raw.sqlite3_step(_stmt);
                if (rc == raw.SQLITE_ROW) return column(_stmt);
                Done(rc);
                return null;
            }
            finally { raw.sqlite3_reset(_stmt); }
        }

        private void Done(int rc)
        {
            if (rc != raw.SQLITE_DONE) throw Error(rc);
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK) throw Error(rc);
        }

        private SqliteException Error(int rc) => new($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(_db));

        public void Dispose() => _stmt.Dispose();
    }
}
