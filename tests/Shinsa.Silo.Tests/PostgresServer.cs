using System.Diagnostics;
using Npgsql;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>
/// A real PostgreSQL for the tests, started by the project's own scripts/start-postgres.sh on a free loopback port
/// and stopped (and removed) when the test run ends. Each test gets a database of its own.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"shinsa-pg-{Guid.NewGuid():N}");

    public PostgresServer() => ConnectionString = Run("start-postgres.sh", _dir).Trim().Split('\n')[^1];

    /// <summary>Connection string of the server's maintenance database.</summary>
    public string ConnectionString { get; }

    public string NewDatabase()
    {
        var name = $"t_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            create.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    private static string Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(TestFiles.RepoRoot, "scripts", script));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {error.Result}{output.Result}");
        return output.Result;
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        Run("stop-postgres.sh", _dir, "--remove");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
