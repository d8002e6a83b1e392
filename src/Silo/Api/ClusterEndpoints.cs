using Shinsa.Silo.Auth;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Api;

public sealed record LocalShard(int Shard, long Epoch, long AppliedSeq, long CheckpointSeq, int Resident);
public sealed record ClusterStatus(string Mode, string? SiloId, IReadOnlyList<SiloRow> Silos, IReadOnlyList<LeaseRow> Leases, IReadOnlyList<LocalShard> Local);

public static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cluster", (ActorHost host, ILogStore store) =>
            {
                if (host.Cluster is not { } cluster || store is not IShardLeases leases)
                    return Results.Ok(new ClusterStatus("embedded", null, [], [],
                        host.ShardStatus().Select(s => new LocalShard(s.Shard, 0, s.AppliedSeq, s.CheckpointSeq, s.Resident)).ToList()));
                var view = leases.View(cluster.LeaseTimeout);
                var local = cluster.Owned.Where(o => o.Serving).OrderBy(o => o.Shard.Id)
                    .Select(o => new LocalShard(o.Shard.Id, o.Lease.Epoch, o.Shard.AppliedSeq, o.Shard.CheckpointSeq, o.Shard.ResidentCount)).ToList();
                return Results.Ok(new ClusterStatus("cluster", cluster.SiloId, view.Silos, view.Leases, local));
            })
            .RequireFederation()
            .WithTags("Cluster")
            .Produces<ClusterStatus>()
            .WithSummary("Silos (heartbeat age, live), shard leases (owner, epoch, applied and checkpointed positions) and the shards this silo serves");
    }
}
