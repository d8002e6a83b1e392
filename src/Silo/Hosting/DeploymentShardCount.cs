using Microsoft.Extensions.Options;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Hosting;

/// <summary>
/// Settles <see cref="ShinsaOptions.ShardCount"/> when it is not set (0): the count the store was created with, so a
/// data dir or database keeps its partitioning whatever the default; for a new store, <see cref="NewStoreDefault"/>.
/// </summary>
internal sealed class DeploymentShardCount : IPostConfigureOptions<ShinsaOptions>
{
    public void PostConfigure(string? name, ShinsaOptions options)
    {
        if (options.ShardCount != 0) return;
        using var store = StoreFactory.Create(options);
        options.ShardCount = store.StoredShardCount() ?? NewStoreDefault(store is IShardLeases, Environment.ProcessorCount);
    }

    /// <summary>
    /// Embedded: two shards per core (at least 4, at most 16). Shards beyond the workers buy no parallelism on one
    /// silo, and each one keeps its own partials: a provider's receipts spread over every shard, so its KPI cells'
    /// changes are counted, held and checkpointed once per shard (the totals, summed over the shards, are the silo's).
    /// On 2 cores, 4 shards instead of 16 ingested about 12 % more receipts per second with the review off and 8 % with
    /// it on (README, Benchmark). Cluster: 256, the same on every silo whatever its machine, since all of them must
    /// agree: enough to spread over many silos, and a silo's workers read, load, advance and checkpoint all their shards
    /// in one store round trip each, so many shards per silo cost little more than a few.
    /// </summary>
    public static int NewStoreDefault(bool cluster, int processors) => cluster ? 256 : Math.Clamp(2 * processors, 4, 16);
}
