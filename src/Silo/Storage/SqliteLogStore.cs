using System.Text.Json;
using Microsoft.Data.Sqlite;
using Shinsa.Silo.Actors;

namespace Shinsa.Silo.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a commit that returned is on disk
/// and an acknowledged submission survives a crash (invariant 1). Log positions are assigned here by the single
/// appender: the log's rowid is the position.
/// </summary>
public sealed class SqliteLogStore : ILogStore
{
    // 2: identities and waiting records (decisions and care claims that name a receipt or a care card).
    private const int SchemaVersion = 2;
    private readonly string _connectionString;
    // SQLite has one writer at a time; a second one gets SQLITE_BUSY and sleeps in growing steps (up to 100 ms).
    // Taking turns on an in-process lock instead keeps the appender and the shard checkpoints from sleeping.
    private readonly object _writeLock = new();
    private long _lastSeq;

    public SqliteLogStore(string databasePath)
    {
        DatabasePath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false, // sessions below keep their connections open
            DefaultTimeout = 60,
        }.ToString();
    }

    public string DatabasePath { get; }

    public string Description => $"SQLite {DatabasePath}";

    /// <summary>
    /// A connection with its prepared commands. Sessions are reused, so the per-connection PRAGMAs run once and the
    /// hot statements (grain lookups, log inserts) are prepared once instead of on every call.
    /// </summary>
    private sealed class Session(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new();
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

        public void Dispose()
        {
            foreach (var c in _commands.Values) c.Dispose();
            Connection.Dispose();
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentBag<Session> _sessions = new();

    private readonly record struct Lease(SqliteLogStore Store, Session Session) : IDisposable
    {
        public void Dispose() => Store._sessions.Add(Session);
    }

    private Lease Rent()
    {
        if (_sessions.TryTake(out var session)) return new Lease(this, session);
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=60000;");
        return new Lease(this, new Session(connection));
    }


    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }

    private ShardMap? _map;

    public void Initialize(int shardCount)
    {
        _map = new ShardMap(shardCount);
        using var lease = Rent();
        var connection = lease.Session.Connection;
        Execute(connection, "PRAGMA journal_mode=WAL;");
        using var tx = connection.BeginTransaction();
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS log(seq INTEGER PRIMARY KEY, shard INTEGER NOT NULL, payload BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS log_by_shard ON log(shard, seq);
            CREATE TABLE IF NOT EXISTS submissions(id TEXT PRIMARY KEY, body BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS checkpoints(shard INTEGER PRIMARY KEY, applied_seq INTEGER NOT NULL, partials BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS grains(shard INTEGER NOT NULL, key TEXT NOT NULL, state BLOB NOT NULL, PRIMARY KEY(shard, key));
            CREATE TABLE IF NOT EXISTS card_index(insurer_no TEXT NOT NULL, symbol TEXT NOT NULL, number TEXT NOT NULL,
                branch TEXT NOT NULL, person_id TEXT NOT NULL, household_id TEXT NOT NULL,
                PRIMARY KEY(insurer_no, symbol, number, branch));
            CREATE INDEX IF NOT EXISTS card_index_by_person ON card_index(person_id);
            CREATE TABLE IF NOT EXISTS findings(shard INTEGER NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY(shard, id));
            CREATE TABLE IF NOT EXISTS identities(key TEXT PRIMARY KEY, card TEXT, branch TEXT NOT NULL, alias_of TEXT);
            CREATE INDEX IF NOT EXISTS identities_by_alias ON identities(alias_of);
            CREATE TABLE IF NOT EXISTS waiting(id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, payload BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS waiting_by_key ON waiting(key);
            """, tx);
        var storedVersion = ReadMeta(connection, tx, "schema_version");
        if (storedVersion is not null && int.Parse(storedVersion) > SchemaVersion)
            throw new InvalidOperationException($"{DatabasePath} has schema version {storedVersion}; this silo knows up to {SchemaVersion}.");
        var storedShards = ReadMeta(connection, tx, "shard_count");
        if (storedShards is not null && int.Parse(storedShards) != shardCount)
            throw new InvalidOperationException(
                $"{DatabasePath} was created with {storedShards} shards; the configured shard count is {shardCount}. " +
                "The shard count is fixed per deployment: set Shinsa:ShardCount back to " + storedShards + " or use a new data dir.");
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
        lock (_writeLock)
        {
            using var lease = Rent();
            using var tx = lease.Session.Connection.BeginTransaction();
            var exists = lease.Session.Command("SELECT 1 FROM submissions WHERE id = $id", tx);
            var existsId = exists.Parameters.Add("$id", SqliteType.Text);

            var insertEntry = lease.Session.Command("INSERT INTO log(seq, shard, payload) VALUES($seq, $shard, $payload)", tx);
            var pSeq = insertEntry.Parameters.Add("$seq", SqliteType.Integer);
            var pShard = insertEntry.Parameters.Add("$shard", SqliteType.Integer);
            var pPayload = insertEntry.Parameters.Add("$payload", SqliteType.Blob);

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
            foreach (var (seq, entry) in layout.Entries)
            {
                pSeq.Value = seq;
                pShard.Value = entry.Shard;
                pPayload.Value = entry.Payload;
                insertEntry.ExecuteNonQuery();
            }
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
        var upsert = session.Command("""
            INSERT INTO identities(key, card, branch, alias_of) VALUES($k, $c, $b, $a)
            ON CONFLICT(key) DO UPDATE SET card = excluded.card, branch = excluded.branch, alias_of = excluded.alias_of
            """, tx);
        var (k, c, b, a) = (upsert.Parameters.Add("$k", SqliteType.Text), upsert.Parameters.Add("$c", SqliteType.Text),
            upsert.Parameters.Add("$b", SqliteType.Text), upsert.Parameters.Add("$a", SqliteType.Text));
        foreach (var row in plan.IdentitiesToWrite)
        {
            k.Value = row.Key; c.Value = (object?)row.CardKey ?? DBNull.Value; b.Value = row.Branch; a.Value = (object?)row.AliasOf ?? DBNull.Value;
            upsert.ExecuteNonQuery();
        }
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
    }

    /// <summary>The identity plan's view of the store, inside the append's transaction.</summary>
    private sealed class Reader(Session session, SqliteTransaction tx) : IIdentityReader
    {
        public bool AnyWaiting() => session.Command("SELECT EXISTS(SELECT 1 FROM waiting)", tx).ExecuteScalar() is long n && n != 0;

        public IdentityRow? Find(string key)
        {
            var command = session.Command("SELECT card, branch, alias_of FROM identities WHERE key = $k", tx);
            command.Parameters.AddWithValue("$k", key);
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new IdentityRow(key, reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
                : null;
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
        var command = lease.Session.Command("SELECT body FROM submissions WHERE id = $id");
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteScalar() is byte[] body ? JsonSerializer.Deserialize<SubmissionRow>(body) : null;
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
        var rows = new List<CardIndexRow>();
        while (reader.Read())
            rows.Add(new CardIndexRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), personId, reader.GetString(4)));
        return rows;
    }

    public IEnumerable<StoredEntry> ReadShard(int shard, long afterSeq)
    {
        using var lease = Rent();
        var command = lease.Session.Command("SELECT seq, payload FROM log WHERE shard = $shard AND seq > $after ORDER BY seq");
        command.Parameters.AddWithValue("$shard", shard);
        command.Parameters.AddWithValue("$after", afterSeq);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return new StoredEntry(reader.GetInt64(0), shard, (byte[])reader.GetValue(1));
    }

    public ShardCheckpoint? LoadCheckpoint(int shard)
    {
        using var lease = Rent();
        var command = lease.Session.Command("SELECT applied_seq, partials FROM checkpoints WHERE shard = $shard");
        command.Parameters.AddWithValue("$shard", shard);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new ShardCheckpoint(shard, reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
    }

    public byte[]? LoadGrain(int shard, string grainKey)
    {
        using var lease = Rent();
        var command = lease.Session.Command("SELECT state FROM grains WHERE shard = $shard AND key = $key");
        command.Parameters.AddWithValue("$shard", shard);
        command.Parameters.AddWithValue("$key", grainKey);
        return command.ExecuteScalar() as byte[];
    }

    public IReadOnlyList<string> GrainKeys(int shard)
    {
        using var lease = Rent();
        var command = lease.Session.Command("SELECT key FROM grains WHERE shard = $shard ORDER BY key");
        command.Parameters.AddWithValue("$shard", shard);
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    }

    public void WriteCheckpoint(int shard, long appliedSeq, byte[] partials, IReadOnlyCollection<KeyValuePair<string, byte[]>> grains,
        IReadOnlyCollection<KeyValuePair<string, byte[]>>? findings = null)
    {
        lock (_writeLock) WriteCheckpointLocked(shard, appliedSeq, partials, grains, findings ?? []);
    }

    public IReadOnlyList<byte[]> LoadFindings(int shard)
    {
        using var lease = Rent();
        var command = lease.Session.Command("SELECT body FROM findings WHERE shard = $shard ORDER BY id");
        command.Parameters.AddWithValue("$shard", shard);
        using var reader = command.ExecuteReader();
        var rows = new List<byte[]>();
        while (reader.Read()) rows.Add((byte[])reader.GetValue(0));
        return rows;
    }

    /// <summary>Upserts a shard's keyed blobs (grain snapshots, findings).</summary>
    private static void UpsertShardRows(Session session, SqliteTransaction tx, string table, string keyColumn, string bodyColumn, int shard,
        IReadOnlyCollection<KeyValuePair<string, byte[]>> rows)
    {
        var upsert = session.Command($"INSERT INTO {table}(shard, {keyColumn}, {bodyColumn}) VALUES($shard, $key, $body) " +
            $"ON CONFLICT(shard, {keyColumn}) DO UPDATE SET {bodyColumn} = excluded.{bodyColumn}", tx);
        upsert.Parameters.AddWithValue("$shard", shard);
        var key = upsert.Parameters.Add("$key", SqliteType.Text);
        var body = upsert.Parameters.Add("$body", SqliteType.Blob);
        foreach (var (rowKey, bytes) in rows)
        {
            key.Value = rowKey;
            body.Value = bytes;
            upsert.ExecuteNonQuery();
        }
    }

    private void WriteCheckpointLocked(int shard, long appliedSeq, byte[] partials, IReadOnlyCollection<KeyValuePair<string, byte[]>> grains, IReadOnlyCollection<KeyValuePair<string, byte[]>> findings)
    {
        using var lease = Rent();
        var connection = lease.Session.Connection;
        using var tx = connection.BeginTransaction();
        UpsertShardRows(lease.Session, tx, "grains", "key", "state", shard, grains);
        UpsertShardRows(lease.Session, tx, "findings", "id", "body", shard, findings);
        {
            var checkpoint = lease.Session.Command("""
                INSERT INTO checkpoints(shard, applied_seq, partials) VALUES($shard, $seq, $partials)
                ON CONFLICT(shard) DO UPDATE SET applied_seq = excluded.applied_seq, partials = excluded.partials
                """, tx);
            checkpoint.Parameters.AddWithValue("$shard", shard);
            checkpoint.Parameters.AddWithValue("$seq", appliedSeq);
            checkpoint.Parameters.AddWithValue("$partials", partials);
            checkpoint.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public void Dispose()
    {
        while (_sessions.TryTake(out var session)) session.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
