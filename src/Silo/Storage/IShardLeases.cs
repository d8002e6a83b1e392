namespace Shinsa.Silo.Storage;

/// <summary>
/// Cluster membership and shard leases: a capability of a store that several silos share (PostgreSQL). A store
/// without it (the embedded SQLite store) means "one silo owns every shard, no leases", exactly as before.
/// <para>
/// A lease carries an epoch that rises on every acquisition; it is the fencing token. Every checkpoint and every
/// cursor advance names the epoch and succeeds only while the lease row still has this owner, this epoch and an
/// expiry in the future, checked in the same transaction as the write. A silo that was paused past its lease, or
/// whose shard was taken over, therefore cannot overwrite the new owner's state.
/// </para>
/// </summary>
public interface IShardLeases
{
    /// <summary>Registers or refreshes the silo's heartbeat; returns the number of live silos (itself included).</summary>
    int Heartbeat(string siloId, string url, TimeSpan leaseTimeout);

    /// <summary>Removes the silo from the membership (graceful leave); its leases must have been released before.</summary>
    void Leave(string siloId);

    /// <summary>Extends every unexpired lease the silo holds; returns those it still holds (an expired lease is lost).</summary>
    IReadOnlyList<ShardLease> Renew(string siloId, TimeSpan leaseTimeout);

    /// <summary>
    /// Acquires up to <paramref name="max"/> shards that are free, expired or (after a restart under the same id)
    /// still held by this silo id, skipping <paramref name="exclude"/>. Each acquisition raises the epoch and resets
    /// the published applied position to the shard's checkpoint.
    /// </summary>
    IReadOnlyList<ShardLease> Acquire(string siloId, int max, TimeSpan leaseTimeout, IReadOnlyCollection<int> exclude);

    /// <summary>Frees a lease at once (graceful hand-over), if this silo still holds it with this epoch.</summary>
    bool Release(string siloId, ShardLease lease);

    /// <summary>
    /// Writes, in one transaction, the checkpoint of each listed shard whose lease the silo still holds with the listed
    /// epoch, and nothing for the others. Returns the shards written: a shard left out was refused by its fence.
    /// </summary>
    IReadOnlySet<int> WriteCheckpoints(string siloId, IReadOnlyList<(ShardLease Lease, CheckpointWrite Checkpoint)> checkpoints);

    /// <summary>Publishes each listed shard's applied log position (its cursor), fenced like a checkpoint; returns the shards advanced.</summary>
    IReadOnlySet<int> AdvanceCursors(string siloId, IReadOnlyList<(ShardLease Lease, long AppliedSeq)> cursors);

    /// <summary>Per shard: the applied position published by its owner (0 for a shard nobody has applied).</summary>
    IReadOnlyDictionary<int, long> AppliedPositions();

    /// <summary>Per shard: the log position its latest checkpoint includes.</summary>
    IReadOnlyDictionary<int, long> CheckpointPositions();

    /// <summary>
    /// Read in one snapshot and one round trip: the KPI and measure totals written by transactions that the read which
    /// returned <paramref name="since"/> could not see (0: every total), each shard's checkpoint position, and the mark
    /// to pass next time. The totals then include exactly those checkpoints: a checkpoint adds to them in its own transaction.
    /// </summary>
    TotalsChanges ReadTotalsChanges(ulong since);

    /// <summary>The latest checkpoint of each listed shard that has one, read in one round trip.</summary>
    IReadOnlyDictionary<int, ShardCheckpoint> LoadCheckpoints(IReadOnlyCollection<int> shards);

    /// <summary>Members and leases, for the cluster status page and tests.</summary>
    ClusterView View(TimeSpan leaseTimeout);

    /// <summary>Calls <paramref name="onAppend"/> whenever any silo appends to the log, until cancelled.</summary>
    Task ListenForAppendsAsync(Action onAppend, CancellationToken cancellationToken);
}

public sealed record ShardLease(int Shard, long Epoch);

/// <summary>What <see cref="IShardLeases.ReadTotalsChanges"/> read: totals (whole values, not changes) and positions as of one snapshot.</summary>
public sealed record TotalsChanges(ulong Next, IReadOnlyList<CellDelta> Kpis, IReadOnlyList<CellDelta> Measures,
    IReadOnlyDictionary<int, long> Checkpoints);

public sealed record SiloRow(string Id, string Url, double HeartbeatAgeSeconds, bool Live);

public sealed record LeaseRow(int Shard, string? Owner, long Epoch, double ExpiresInSeconds, long AppliedSeq, long CheckpointSeq);

public sealed record ClusterView(IReadOnlyList<SiloRow> Silos, IReadOnlyList<LeaseRow> Leases);
