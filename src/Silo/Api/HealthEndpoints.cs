using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shinsa.Silo.Actors;

namespace Shinsa.Silo.Api;

/// <summary>Ready when every shard has been recovered and no worker has failed.</summary>
public sealed class ShardsRecoveredCheck(ActorHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.Fault is { } fault
            ? HealthCheckResult.Unhealthy("a shard worker failed", fault)
            : host.IsReady
                ? HealthCheckResult.Healthy(host.Cluster is { } cluster
                    ? $"silo {cluster.SiloId} in the cluster, serving {host.ShardStatus().Count()} of {host.ShardCount} shards"
                    : $"{host.ShardCount} shards recovered, backlog {host.Backlog}")
                : HealthCheckResult.Unhealthy("recovering shards from the log"));
}
