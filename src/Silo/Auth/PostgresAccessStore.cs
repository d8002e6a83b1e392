using Npgsql;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Auth;

/// <summary>
/// The cluster's access store: audit log and submission owners in the deployment's PostgreSQL (tables of migration 9),
/// shared by every silo. Each call is one statement in its own transaction, committed before it returns.
/// </summary>
public sealed class PostgresAccessStore : IAccessStore
{
    private readonly NpgsqlDataSource _dataSource;
    // A request can reach the silo before its log store has migrated the schema at start: the first call migrates too
    // (under the migrations' advisory lock, so callers that race do it once).
    private readonly Lazy<bool> _schema;

    public PostgresAccessStore(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(PostgresLogStore.PooledConnectionString(connectionString));
        _schema = new Lazy<bool>(() =>
        {
            using var connection = _dataSource.OpenConnection();
            using var tx = connection.BeginTransaction();
            PostgresLogStore.Migrate(connection, tx);
            tx.Commit();
            return true;
        }, LazyThreadSafetyMode.PublicationOnly); // a failed first call (the server away) is tried again by the next
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    private NpgsqlConnection Open()
    {
        _ = _schema.Value;
        return _dataSource.OpenConnection();
    }

    public void Record(AuditEntry entry)
    {
        using var connection = Open();
        using var command = Command(connection, "INSERT INTO audit(at, who, role, what, subject) VALUES (@at, @who, @role, @what, @subject)",
            ("at", entry.At.ToUniversalTime()), ("who", entry.Who), ("role", entry.Role), ("what", entry.What), ("subject", entry.Subject));
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<AuditEntry> Query(string? who = null, string? what = null, int limit = 100)
    {
        using var connection = Open();
        using var command = Command(connection, """
            SELECT at, who, role, what, subject FROM audit
            WHERE (@who::text IS NULL OR who = @who) AND (@what::text IS NULL OR what = @what)
            ORDER BY id DESC LIMIT @limit
            """, ("who", (object?)who ?? DBNull.Value), ("what", (object?)what ?? DBNull.Value), ("limit", Math.Clamp(limit, 1, 10_000)));
        using var reader = command.ExecuteReader();
        var entries = new List<AuditEntry>();
        while (reader.Read())
            entries.Add(new AuditEntry(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.GetString(4)));
        return entries;
    }

    public void Add(string submissionId, string role)
    {
        using var connection = Open();
        using var command = Command(connection, "INSERT INTO submission_owners(id, role) VALUES (@id, @role) ON CONFLICT DO NOTHING",
            ("id", submissionId), ("role", role));
        command.ExecuteNonQuery();
    }

    public bool IsOwner(string submissionId, string role)
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT 1 FROM submission_owners WHERE id = @id AND role = @role", ("id", submissionId), ("role", role));
        return command.ExecuteScalar() is not null;
    }

    public void Dispose() => _dataSource.Dispose();
}
