using Shinsa.Silo.Auth;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>
/// What both access stores must do: keep audit entries and submission owners durably, answer newest first, and let a
/// second store on the same place (a restart, or in cluster mode another silo) see what the first wrote.
/// </summary>
public abstract class AccessStoreContract : IDisposable
{
    protected abstract IAccessStore CreateStore();

    public abstract void Dispose();

    [Fact]
    public void Entries_and_owners_written_by_one_store_are_read_by_another_newest_first()
    {
        var at = DateTimeOffset.Parse("2026-11-24T08:00:00Z");
        using (var store = CreateStore())
        {
            store.Record(new AuditEntry(at, "alice", "insurer:01010016", "beneficiary", "/api/v1/beneficiaries/01010016/1/2"));
            store.Record(new AuditEntry(at.AddSeconds(1), "bob", "federation", "finding", "/api/v1/findings/f1"));
            store.Add("u1", "provider:0000000");
            store.Add("u1", "provider:0000000"); // a retried submission is remembered once
        }
        using var other = CreateStore();
        var all = other.Query();
        Assert.Equal(["bob", "alice"], all.Select(e => e.Who));
        Assert.Equal(at, all[1].At);
        Assert.Equal(("insurer:01010016", "beneficiary"), (all[1].Role, all[1].What));
        Assert.Equal("/api/v1/beneficiaries/01010016/1/2", Assert.Single(other.Query(who: "alice")).Subject);
        Assert.Equal("bob", Assert.Single(other.Query(what: "finding")).Who);
        Assert.Equal("bob", Assert.Single(other.Query(limit: 1)).Who);
        Assert.True(other.IsOwner("u1", "provider:0000000"));
        Assert.False(other.IsOwner("u1", "provider:1111111"));
        Assert.False(other.IsOwner("u2", "provider:0000000"));
    }
}

public sealed class SqliteAccessStoreTests : AccessStoreContract
{
    private readonly string _dir = TestFiles.NewTempDir("shinsa-access");

    protected override IAccessStore CreateStore() => new SqliteAccessStore(Path.Combine(_dir, "access.db"));

    public override void Dispose() => TestFiles.DeleteTempDir(_dir);
}

/// <summary>On a fresh database that no log store has migrated: the access store's first call migrates it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAccessStoreTests(PostgresServer server) : AccessStoreContract
{
    private readonly string _connectionString = server.NewDatabase();

    protected override IAccessStore CreateStore() => new PostgresAccessStore(_connectionString);

    public override void Dispose() => Npgsql.NpgsqlConnection.ClearAllPools();
}
