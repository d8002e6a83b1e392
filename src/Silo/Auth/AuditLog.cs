using Microsoft.Data.Sqlite;

namespace Shinsa.Silo.Auth;

/// <summary>One person-level read: who (token holder and role), what (the view), which (path and query), when.</summary>
public sealed record AuditEntry(DateTimeOffset At, string Who, string Role, string What, string Subject);

/// <summary>
/// The durable audit log of person-level reads. Endpoints use <see cref="Access.AuditPersonRead{TBuilder}"/>, or call
/// <see cref="Record"/> themselves (e.g. once per finding detail shown). KPI reads are not audited.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends the entry durably before returning.</summary>
    void Record(AuditEntry entry);

    /// <summary>The newest entries first, optionally of one caller (name) or one view.</summary>
    IReadOnlyList<AuditEntry> Query(string? who = null, string? what = null, int limit = 100);
}

/// <summary>Which callers submitted a file, so a provider (or insurer) may read the status of its own submissions only.</summary>
public interface ISubmissionOwners
{
    void Add(string submissionId, string role);
    bool IsOwner(string submissionId, string role);
}

/// <summary>
/// Where the audit log and the submission owners are kept: beside the log store, in the same kind of store, so that in
/// cluster mode every silo writes and reads the same ones (a status polled through another silo, the audit of reads
/// served by every silo).
/// </summary>
public interface IAccessStore : IAuditLog, ISubmissionOwners, IDisposable;

/// <summary>
/// The embedded access store: audit log and submission owners in a SQLite file beside the log store (<c>access.db</c> in the data
/// dir, WAL, synchronous=FULL). A file of its own keeps these small writes out of the log appender's transactions.
/// </summary>
public sealed class SqliteAccessStore : IAccessStore
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public SqliteAccessStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;
            CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, role TEXT NOT NULL,
                what TEXT NOT NULL, subject TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS audit_by_who ON audit(who, id);
            CREATE TABLE IF NOT EXISTS submission_owners(id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY(id, role));
            """);
    }

    public void Record(AuditEntry entry)
    {
        lock (_lock)
            Execute("INSERT INTO audit(at, who, role, what, subject) VALUES ($at, $who, $role, $what, $subject)",
                ("$at", entry.At.UtcDateTime.ToString("O")), ("$who", entry.Who), ("$role", entry.Role), ("$what", entry.What),
                ("$subject", entry.Subject));
    }

    public IReadOnlyList<AuditEntry> Query(string? who = null, string? what = null, int limit = 100)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT at, who, role, what, subject FROM audit
                WHERE ($who IS NULL OR who = $who) AND ($what IS NULL OR what = $what)
                ORDER BY id DESC LIMIT $limit
                """;
            command.Parameters.AddWithValue("$who", (object?)who ?? DBNull.Value);
            command.Parameters.AddWithValue("$what", (object?)what ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, 10_000));
            using var reader = command.ExecuteReader();
            var entries = new List<AuditEntry>();
            while (reader.Read())
                entries.Add(new AuditEntry(DateTimeOffset.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture),
                    reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
            return entries;
        }
    }

    public void Add(string submissionId, string role)
    {
        lock (_lock)
            Execute("INSERT OR IGNORE INTO submission_owners(id, role) VALUES ($id, $role)", ("$id", submissionId), ("$role", role));
    }

    public bool IsOwner(string submissionId, string role)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT 1 FROM submission_owners WHERE id = $id AND role = $role";
            command.Parameters.AddWithValue("$id", submissionId);
            command.Parameters.AddWithValue("$role", role);
            return command.ExecuteScalar() is not null;
        }
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}
