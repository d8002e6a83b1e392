using Shinsa.Silo.Auth;
using Shinsa.Silo.Hosting;

namespace Shinsa.Silo.Storage;

/// <summary>The store <see cref="ShinsaOptions.Storage"/> names: SQLite under the data dir, or PostgreSQL.</summary>
public static class StoreFactory
{
    public static ILogStore Create(ShinsaOptions options) => options.Storage.ToLowerInvariant() switch
    {
        "sqlite" => new SqliteLogStore(Path.Combine(options.DataDir, "shinsa.db")),
        "postgres" when !string.IsNullOrWhiteSpace(options.Postgres.ConnectionString) => new PostgresLogStore(options.Postgres.ConnectionString),
        "postgres" => throw new InvalidOperationException("Shinsa:Storage is postgres but Shinsa:Postgres:ConnectionString is empty"),
        var other => throw new InvalidOperationException($"Shinsa:Storage is '{other}': use sqlite or postgres"),
    };

    /// <summary>The audit log and submission owners, in the same kind of store as the log (a wrong setting is reported by <see cref="Create"/>).</summary>
    public static IAccessStore CreateAccessStore(ShinsaOptions options) => options.Storage.ToLowerInvariant() switch
    {
        "postgres" => new PostgresAccessStore(options.Postgres.ConnectionString),
        _ => new SqliteAccessStore(Path.Combine(options.DataDir, "access.db")),
    };
}
