using Shinsa.Silo.Api;

namespace Shinsa.Silo.Tests;

/// <summary>Viewers of one KPI board share its computation while the shards stand still.</summary>
public sealed class KpiPayloadCacheTests
{
    [Fact]
    public void A_board_is_computed_once_per_set_of_positions_whoever_asks()
    {
        var cache = new KpiPayloadCache();
        var computed = 0;
        string Compute() => $"payload {++computed}";

        // Three viewers of the same board, ten looks each, nothing applied: one computation.
        for (var look = 0; look < 10; look++)
            for (var viewer = 0; viewer < 3; viewer++)
                Assert.Equal("payload 1", cache.Get("prefecture|2021-10", [5, 7], Compute));
        Assert.Equal(1, computed);

        // A shard moves: computed again, once.
        Assert.Equal("payload 2", cache.Get("prefecture|2021-10", [5, 8], Compute));
        Assert.Equal("payload 2", cache.Get("prefecture|2021-10", [5, 8], Compute));
        // Another board has its own payload.
        Assert.Equal("payload 3", cache.Get("insurer 040014|2021-10", [5, 8], Compute));
        Assert.Equal("payload 2", cache.Get("prefecture|2021-10", [5, 8], Compute));
        Assert.Equal(3, computed);
    }
}
