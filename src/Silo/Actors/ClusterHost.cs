using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Shinsa.Grains;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;
using Shinsa.Silo.Hosting;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Actors;

/// <summary>A shard this silo holds a lease on, with the epoch (fencing token) it was acquired with.</summary>
internal sealed class OwnedShard(Shard shard, ShardLease lease)
{
    public Shard Shard { get; } = shard;
    public ShardLease Lease { get; } = lease;
    /// <summary>Checkpoint loaded and log tail replayed: the shard's rollup is current and may answer queries.</summary>
    public volatile bool Recovered;
    /// <summary>The lease loop found the lease gone (expired or taken over): drop without writing anything.</summary>
    public volatile bool Lost;
    /// <summary>Recovered and not lost: the shard answers here (queries, the cluster view, what counts as applied).</summary>
    public bool Serving => Recovered && !Lost;
    /// <summary>Rebalance or shutdown: checkpoint, then free the lease.</summary>
    public volatile bool ReleaseRequested;
    /// <summary>When the worker last applied records to this shard (Stopwatch ticks).</summary>
    public long LastAppliedTicks = Stopwatch.GetTimestamp();
}

/// <summary>
/// Cluster mode of the actor host (a store with <see cref="IShardLeases"/>): the silo heartbeats, holds leases on
/// a fair share of the shards (ceil(shards / live silos)), takes over expired ones and hands over its excess. The
/// log is the source of truth: a worker tails the log for the shards it owns, whoever appended the records, woken
/// by LISTEN/NOTIFY and polling as a fallback. Every checkpoint and cursor advance is fenced by the lease epoch.
/// </summary>
internal sealed class ClusterHost
{
    private readonly ILogStore _store;
    private readonly IShardLeases _leases;
    private readonly ShinsaOptions _options;
    private readonly ILogger _logger;
    private readonly Action<int> _applied;
    private readonly ConcurrentDictionary<int, OwnedShard> _owned = new();
    private readonly TailWorker[] _workers;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = new();
    // The review clock and rules of the shards served elsewhere, as of their latest checkpoint this silo read (see ForEachPartials).
    private readonly ConcurrentDictionary<int, RemoteShard> _remote = new();
    // The cells' totals as the store keeps them, and the checkpoints written here that they do not include yet.
    private readonly CellTotals _totals = new(shared: true);
    private volatile bool _totalsRead;
    private readonly Grains.Masters.ReferenceMasters _masters;
    private readonly int _perShardCap;
    // The checkpoint positions IsApplied last read, and when the read began. Status polls ask many times a second and
    // each read is a row per shard (256 by default). Positions only grow, so a copy up to 100 ms old can only report
    // "applied" that much later; the KPI sums read the store's totals again whenever this copy shows a checkpoint past the
    // ones they include (ForEachCells), so what a status calls applied is in them. The KPI streams' look for a change
    // (PartialsPositions) uses the copy too.
    private readonly Lock _checkpointsLock = new();
    private (long Ticks, IReadOnlyDictionary<int, long> Positions) _checkpoints = (0, new Dictionary<int, long>());
    private static readonly long CheckpointsMaxAgeTicks = Stopwatch.Frequency / 10;

    public ClusterHost(ILogStore store, IShardLeases leases, ShinsaOptions options, ILogger logger, Action<int> applied,
        Grains.Masters.ReferenceMasters masters)
    {
        _masters = masters;
        _store = store;
        _leases = leases;
        _options = options;
        _logger = logger;
        _applied = applied;
        SiloId = string.IsNullOrWhiteSpace(options.SiloId)
            ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}"
            : options.SiloId;
        Url = options.AdvertisedUrl;
        _perShardCap = Math.Max(1, options.ResidentGrainCap / options.ShardCount);
        var workers = Math.Clamp(options.Workers, 1, options.ShardCount);
        _workers = Enumerable.Range(0, workers).Select(w => new TailWorker(w, this)).ToArray();
    }

    public string SiloId { get; }
    public string Url { get; set; }
    public TimeSpan LeaseTimeout => _options.LeaseTimeout;
    internal ShinsaOptions Options => _options;
    internal ILogStore Store => _store;
    internal IShardLeases Leases => _leases;
    internal ILogger Logger => _logger;

    public IEnumerable<OwnedShard> Owned => _owned.Values;
    public int ResidentGrains => _owned.Values.Sum(o => o.Shard.ResidentCount);

    private TailWorker WorkerOf(int shard) => _workers[shard % _workers.Length];

    /// <summary>Joins the cluster (first heartbeat and acquisition), then runs the workers, the listener and the lease loop.</summary>
    public void Start()
    {
        LeaseRound();
        foreach (var worker in _workers) _running.Add(Task.Run(() => worker.RunAsync(_stop.Token)));
        _running.Add(Task.Run(() => _leases.ListenForAppendsAsync(WakeAll, _stop.Token)));
        _running.Add(Task.Factory.StartNew(LeaseLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        _running.Add(Task.Run(TotalsLoop));
    }

    /// <summary>
    /// Reads the store's totals again while checkpoints written here wait to be seen in them (each waits with its
    /// cells' changes in memory): queries read them too, but a silo nobody asks would keep every one.
    /// </summary>
    private async Task TotalsLoop()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (_totals.UnseenCount == 0) continue;
                try { SyncTotals(); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "Silo {Silo}: reading the cells' totals failed; trying again in a second", SiloId);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public void WakeAll() { foreach (var w in _workers) w.Wake(); }

    public void Wake(int shard) => WorkerOf(shard).Wake();

    /// <summary>
    /// Renews the leases every third of the lease timeout, on a thread of its own. On the thread pool, a burst of
    /// submissions and worker rounds (both make synchronous store calls) held every pool thread of a 2-core machine for
    /// seconds, the renewal's timer waited behind them, and the silo lost shards it was serving well.
    /// </summary>
    private void LeaseLoop()
    {
        var interval = _options.LeaseTimeout / 3;
        var previous = Stopwatch.GetTimestamp();
        while (!_stop.Token.WaitHandle.WaitOne(Max(TimeSpan.Zero, interval - Stopwatch.GetElapsedTime(previous))))
        {
            var since = Stopwatch.GetElapsedTime(previous);
            previous = Stopwatch.GetTimestamp();
            if (since > _options.LeaseTimeout / 2)
                _logger.LogWarning("Silo {Silo}: {Since} ms since the previous lease round, for leases that expire after {Timeout}; a store this slow, or a paused process, loses shards",
                    SiloId, (long)since.TotalMilliseconds, _options.LeaseTimeout);
            try { LeaseRound(); }
            catch (Exception e)
            {
                _logger.LogError(e, "Silo {Silo}: heartbeat or lease renewal failed; leases not renewed expire after {Timeout}", SiloId, _options.LeaseTimeout);
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Heartbeat, renew, notice lost leases, then acquire up to the fair share or hand over the excess.</summary>
    private void LeaseRound()
    {
        var timeout = _options.LeaseTimeout;
        var live = _leases.Heartbeat(SiloId, Url, timeout);
        var held = _leases.Renew(SiloId, timeout).ToDictionary(l => l.Shard, l => l.Epoch);
        foreach (var (shard, epoch) in held)
        {
            // Held in the store but not here (a worker dropped it after an error): free it for whoever can serve it.
            if (!_owned.ContainsKey(shard)) _leases.Release(SiloId, new ShardLease(shard, epoch));
        }
        foreach (var owned in _owned.Values)
        {
            if (owned.Lost || (held.TryGetValue(owned.Shard.Id, out var epoch) && epoch == owned.Lease.Epoch)) continue;
            owned.Lost = true;
            _logger.LogWarning("Silo {Silo} lost the lease of shard {Shard} (epoch {Epoch}): it expired or was taken over; dropping the shard",
                SiloId, owned.Shard.Id, owned.Lease.Epoch);
            Wake(owned.Shard.Id);
        }
        if (_stop.IsCancellationRequested) return;

        var quota = (_options.ShardCount + live - 1) / live;
        var active = _owned.Values.Where(o => !o.Lost && !o.ReleaseRequested).ToList();
        if (active.Count < quota)
        {
            foreach (var lease in _leases.Acquire(SiloId, quota - active.Count, timeout, _owned.Keys.ToList()))
            {
                var owned = new OwnedShard(new Shard(lease.Shard, _store, _perShardCap, _masters, _options.Review.Enabled,
                    checkpoint => _leases.WriteCheckpoints(SiloId, [(lease, checkpoint)]).Contains(lease.Shard), _totals), lease);
                _owned[lease.Shard] = owned;
                _logger.LogInformation("Silo {Silo} acquired shard {Shard} (epoch {Epoch}); {Live} live silos, fair share {Quota}",
                    SiloId, lease.Shard, lease.Epoch, live, quota);
                WorkerOf(lease.Shard).Add(owned);
            }
        }
        else if (active.Count > quota)
        {
            foreach (var owned in active.OrderByDescending(o => o.Shard.Id).Take(active.Count - quota))
            {
                owned.ReleaseRequested = true;
                _logger.LogInformation("Silo {Silo} hands over shard {Shard}: {Live} live silos, fair share {Quota}", SiloId, owned.Shard.Id, live, quota);
                Wake(owned.Shard.Id);
            }
        }
    }

    internal void Applied(int records) => _applied(records);

    internal void Forget(OwnedShard owned) => _owned.TryRemove(new KeyValuePair<int, OwnedShard>(owned.Shard.Id, owned));

    /// <summary>
    /// Applied as seen from this silo, i.e. included in the KPIs it answers: for the shards it serves, its own applied
    /// position; for the others, the position of their latest checkpoint (which <see cref="SumKpis"/> reads).
    /// </summary>
    public bool IsApplied(IReadOnlyDictionary<int, long> lastSeqByShard)
    {
        if (lastSeqByShard.Count == 0) return true;
        IReadOnlyDictionary<int, long>? checkpoints = null;
        foreach (var (shard, seq) in lastSeqByShard)
        {
            if (_owned.TryGetValue(shard, out var owned) && owned.Serving && owned.Shard.AppliedSeq >= seq) continue;
            checkpoints ??= RecentCheckpointPositions();
            if (checkpoints.GetValueOrDefault(shard) < seq) return false;
        }
        return true;
    }

    private IReadOnlyDictionary<int, long> RecentCheckpointPositions()
    {
        lock (_checkpointsLock)
        {
            var now = Stopwatch.GetTimestamp();
            if (now - _checkpoints.Ticks > CheckpointsMaxAgeTicks) _checkpoints = (now, _leases.CheckpointPositions());
            return _checkpoints.Positions;
        }
    }

    /// <summary>
    /// The log position each shard's partials stand at as <see cref="ForEachPartials"/> reads them: the applied position
    /// of a shard served here, the latest checkpoint's of the others (−1: none yet). Every KPI stream asks ten times a
    /// second: the others' positions are the copy <see cref="IsApplied"/> keeps (up to 100 ms old), which can only make a
    /// stream compute again up to that much later.
    /// </summary>
    public long[] PartialsPositions()
    {
        var positions = new long[_options.ShardCount];
        IReadOnlyDictionary<int, long>? checkpoints = null;
        for (var shard = 0; shard < positions.Length; shard++)
        {
            if (ServedHere(shard) is { } owned)
            {
                positions[shard] = owned.Shard.AppliedSeq;
                continue;
            }
            checkpoints ??= RecentCheckpointPositions();
            positions[shard] = checkpoints.TryGetValue(shard, out var seq) ? seq : -1;
        }
        return positions;
    }

    /// <summary>
    /// Visits every shard's partials (the review clock, rules and changes since the last checkpoint): the live ones of the
    /// shards served here, the latest checkpointed ones of the others, which have no changes (so the answer trails the
    /// owners by at most their snapshot interval). The cells are read through <see cref="ForEachCells"/>.
    /// </summary>
    public void ForEachPartials(Action<int, ShardPartials> visit)
    {
        var checkpoints = _leases.CheckpointPositions();
        var moved = checkpoints.Where(c => ServedHere(c.Key) is null && (!_remote.TryGetValue(c.Key, out var r) || r.Seq != c.Value))
            .Select(c => c.Key).ToList();
        foreach (var (shard, checkpoint) in _leases.LoadCheckpoints(moved))
            _remote[shard] = new RemoteShard(checkpoint.AppliedSeq, Shard.StoredPartials(_store, checkpoint));
        for (var shard = 0; shard < _options.ShardCount; shard++)
        {
            if (ServedHere(shard) is { } owned)
            {
                lock (owned.Shard.PartialsLock) visit(shard, owned.Shard.Partials);
                continue;
            }
            if (checkpoints.ContainsKey(shard) && _remote.TryGetValue(shard, out var remote)) visit(shard, remote.Partials);
        }
    }

    private OwnedShard? ServedHere(int shard) =>
        _owned.TryGetValue(shard, out var owned) && owned.Serving ? owned : null;

    /// <summary>A shard served elsewhere: its partials as of the checkpoint at <see cref="Seq"/>.</summary>
    private sealed record RemoteShard(long Seq, ShardPartials Partials);

    /// <summary>
    /// Visits the KPI and measure cells (<see cref="CellTotals.Visit"/>): the store's totals, read again first when they
    /// may be behind what <see cref="IsApplied"/> reports (a checkpoint position past the one they include, in the copy
    /// it keeps), or behind a shard served here (which counts its changes from the checkpoint it recovered from).
    /// </summary>
    public void ForEachCells(Action<KpiRollup, MeasureRollup> visit)
    {
        var served = _owned.Values.Where(o => o.Serving).Select(o => o.Shard).ToList();
        var checkpoints = RecentCheckpointPositions();
        if (!_totalsRead || _totals.IsBehind(checkpoints.Concat(served.Select(s => KeyValuePair.Create(s.Id, s.RecoveredSeq)))))
            SyncTotals();
        _totals.Visit(served, visit);
    }

    private void SyncTotals()
    {
        _totals.Sync(_leases);
        _totalsRead = true;
    }

    /// <summary>Graceful leave: every worker checkpoints and frees its leases, then the silo leaves the membership.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stop.Cancel();
        foreach (var w in _workers) w.Wake();
        await Task.WhenAll(_running).WaitAsync(cancellationToken);
        // A shard acquired while the workers were finishing was never recovered: nothing to checkpoint, free it.
        foreach (var owned in _owned.Values) _leases.Release(SiloId, owned.Lease);
        _leases.Leave(SiloId);
        _logger.LogInformation("Silo {Silo} handed over its shards and left the cluster", SiloId);
    }
}

/// <summary>
/// Drives the shards of one worker slot in cluster mode: recovers an acquired shard (checkpoint + log tail), then
/// applies what the log holds after its applied position, checkpoints on the usual triggers, publishes the cursor,
/// hands a shard over on request and drops it when its lease is lost. Only this worker touches its shards.
/// </summary>
internal sealed class TailWorker(int id, ClusterHost host)
{
    private readonly ConcurrentDictionary<int, OwnedShard> _mine = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public int Id { get; } = id;

    public void Add(OwnedShard owned)
    {
        _mine[owned.Shard.Id] = owned;
        Wake();
    }

    public void Wake() => _wake.Writer.TryWrite(true);

    // Shards applied since their cursor was last published, and when this worker last published. A cursor is what the
    // cluster view shows of a shard's progress (checkpoints carry recovery and fencing), so it is published at most
    // every quarter second: on 256 shards a fenced UPDATE every round cost PostgreSQL more than the log reads did.
    private readonly HashSet<OwnedShard> _unpublished = new();
    private long _publishedTicks;
    private static readonly long CursorIntervalTicks = Stopwatch.Frequency / 4;

    // Entries read per round, over all the worker's shards (a round with a full read goes again at once).
    private const int ReadBatch = 4096;
    // The log position up to which every entry of this worker's shards has been read or replayed (see ApplyTails).
    private long _covered;

    // A shard with nothing new for this long is "quiet"; shorter than the poll so a drained shard checkpoints at the
    // next poll, longer than the gap between appends of a stream so a stream keeps the snapshot-interval cadence.
    private TimeSpan QuietAfter => TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(250).Ticks, host.Options.SnapshotInterval.Ticks));

    public async Task RunAsync(CancellationToken stop)
    {
        var options = host.Options;
        // Polling is the fallback when a notification is missed (e.g. while the listener reconnects).
        var poll = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, Math.Max(TimeSpan.FromMilliseconds(50).Ticks, options.SnapshotInterval.Ticks)));
        while (!stop.IsCancellationRequested)
        {
            // A round whose read stopped at its limit goes again at once: the tails are not drained.
            if (Round()) continue;
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
                wait.CancelAfter(poll);
                await _wake.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) { }
        }
        foreach (var owned in _mine.Values)
        {
            owned.ReleaseRequested = true;
            Settle(owned);
        }
    }

    /// <summary>
    /// One pass over the shards of this worker: settles the ones being dropped, recovered or handed over, then, for
    /// all the others at once, reads their log tails, advances their cursors and writes the checkpoints that are due
    /// (a store round trip for each step, not one per shard: a silo serves dozens of the deployment's shards, and most
    /// wakes bring a few records to some of them). Returns whether the read stopped at its limit.
    /// </summary>
    private bool Round()
    {
        var serving = new List<OwnedShard>(_mine.Count);
        foreach (var owned in _mine.Values)
            if (Settle(owned)) serving.Add(owned);
        if (serving.Count == 0) return false;
        var (applied, more) = ApplyTails(serving);
        AdvanceCursors(applied);
        WriteDueCheckpoints(serving);
        return more;
    }

    /// <summary>Drops, recovers or hands over the shard as its state asks; true when it is being served as usual.</summary>
    private bool Settle(OwnedShard owned)
    {
        var shard = owned.Shard;
        var leases = host.Leases;
        try
        {
            if (owned.Lost)
            {
                Drop(owned, "its lease was lost");
                return false;
            }
            if (!owned.Recovered)
            {
                var replayed = shard.Recover();
                owned.Recovered = true;
                if (!leases.AdvanceCursors(host.SiloId, [(owned.Lease, shard.AppliedSeq)]).Contains(shard.Id))
                    throw new LeaseLostException(shard.Id, "cursor advance refused by the lease fence");
                host.Logger.LogInformation("Silo {Silo} recovered shard {Shard} (epoch {Epoch}): checkpoint at {Checkpoint}, {Replayed} log records replayed",
                    host.SiloId, shard.Id, owned.Lease.Epoch, shard.CheckpointSeq, replayed);
            }
            if (owned.ReleaseRequested)
            {
                shard.Checkpoint();
                // A checkpoint with nothing to write checks no fence: a refused release is how a lease lost since the
                // last lease round shows here.
                if (!leases.Release(host.SiloId, owned.Lease)) throw new LeaseLostException(shard.Id, "release refused by the lease fence");
                Forget(owned);
                host.Logger.LogInformation("Silo {Silo} checkpointed shard {Shard} at {Seq} and released its lease", host.SiloId, shard.Id, shard.AppliedSeq);
                return false;
            }
            return true;
        }
        catch (Exception e)
        {
            Failed(owned, e);
            return false;
        }
    }

    /// <summary>
    /// Reads the shards' log tails in one query (at most <see cref="ReadBatch"/> entries in all), loads the grains they
    /// need in one more, and applies them; returns the shards that applied something, and whether the read stopped at
    /// its limit.
    /// </summary>
    private (List<OwnedShard> Applied, bool More) ApplyTails(List<OwnedShard> serving)
    {
        var byId = serving.ToDictionary(o => o.Shard.Id);
        var tails = new List<(OwnedShard Owned, List<(long Seq, LogRecord Record)> Batch)>();
        bool more;
        try
        {
            // Every entry of a shard up to _covered was read before, or replayed when the shard was recovered (which
            // happened after that read), and every entry up to a shard's applied position is applied: the read starts
            // after both.
            var from = Math.Max(_covered, serving.Min(o => o.Shard.AppliedSeq));
            var tail = host.Store.ReadTails(serving.Select(o => (o.Shard.Id, o.Shard.AppliedSeq)).ToList(), from, ReadBatch);
            var batches = new Dictionary<int, List<(long Seq, LogRecord Record)>>();
            foreach (var entry in tail.Entries)
            {
                if (!batches.TryGetValue(entry.Shard, out var batch))
                {
                    batches[entry.Shard] = batch = new();
                    tails.Add((byId[entry.Shard], batch));
                }
                batch.Add((entry.Seq, GrainCodec.DecodeRecord(entry.Payload)));
            }
            Shard.Prefetch(tails.Select(t => (t.Owned.Shard, t.Batch.Select(b => b.Record.Card.Key))).ToList());
            _covered = tail.CoveredThrough;
            more = tail.Entries.Count == ReadBatch;
        }
        catch (Exception e)
        {
            // Nothing is applied yet: the next round reads the same tails again.
            host.Logger.LogWarning(e, "Silo {Silo}: reading the log tails of worker {Worker}'s shards failed; retrying", host.SiloId, Id);
            return ([], false);
        }
        var applied = new List<OwnedShard>(tails.Count);
        foreach (var (owned, batch) in tails)
        {
            var shard = owned.Shard;
            try
            {
                foreach (var (seq, record) in batch)
                {
                    shard.Apply(seq, record);
                    if (shard.RecordsSinceCheckpoint >= host.Options.SnapshotEveryRecords) shard.Checkpoint();
                }
                owned.LastAppliedTicks = Stopwatch.GetTimestamp();
                applied.Add(owned);
                host.Applied(batch.Count);
            }
            catch (Exception e)
            {
                Failed(owned, e);
            }
        }
        return (applied.Where(o => !o.Lost).ToList(), more);
    }

    /// <summary>
    /// Publishes the applied positions of the shards applied since the last publication (fenced), when the interval
    /// has passed; a shard whose cursor is refused has lost its lease.
    /// </summary>
    private void AdvanceCursors(List<OwnedShard> applied)
    {
        _unpublished.UnionWith(applied);
        _unpublished.RemoveWhere(o => o.Lost || !_mine.TryGetValue(o.Shard.Id, out var mine) || !ReferenceEquals(mine, o));
        if (_unpublished.Count == 0 || Stopwatch.GetTimestamp() - _publishedTicks < CursorIntervalTicks) return;
        var publishing = _unpublished.ToList();
        IReadOnlySet<int> advanced;
        try { advanced = host.Leases.AdvanceCursors(host.SiloId, publishing.Select(o => (o.Lease, o.Shard.AppliedSeq)).ToList()); }
        catch (Exception e)
        {
            host.Logger.LogWarning(e, "Silo {Silo}: advancing the cursors of worker {Worker}'s shards failed; the next round publishes them", host.SiloId, Id);
            return;
        }
        _unpublished.Clear();
        _publishedTicks = Stopwatch.GetTimestamp();
        foreach (var owned in publishing)
            if (!advanced.Contains(owned.Shard.Id)) Drop(owned, "cursor advance refused by the lease fence");
    }

    /// <summary>
    /// Checkpoints, in one transaction, the shards whose snapshot interval has passed and the ones drained and quiet:
    /// other silos read a shard's KPIs and applied position from its checkpoint, so a drained shard checkpoints within a
    /// poll rather than a snapshot interval. A shard whose fence refuses is dropped; a failed write is retried next round.
    /// </summary>
    private void WriteDueCheckpoints(List<OwnedShard> serving)
    {
        var interval = host.Options.SnapshotInterval;
        var byInterval = serving.Where(o => !o.Lost && o.Shard.SinceCheckpoint >= interval).ToList();
        var due = serving.Where(o => !o.Lost && (o.Shard.SinceCheckpoint >= interval
            || (o.Shard.RecordsSinceCheckpoint > 0 && Stopwatch.GetElapsedTime(o.LastAppliedTicks) >= QuietAfter))).ToList();
        var writes = new List<(OwnedShard Owned, CheckpointWrite Checkpoint)>();
        foreach (var owned in due)
        {
            try
            {
                if (owned.Shard.PrepareCheckpoint() is { } checkpoint) writes.Add((owned, checkpoint));
            }
            catch (Exception e) { Failed(owned, e); }
        }
        if (writes.Count > 0)
        {
            IReadOnlySet<int> written;
            try { written = host.Leases.WriteCheckpoints(host.SiloId, writes.Select(w => (w.Owned.Lease, w.Checkpoint)).ToList()); }
            catch (Exception e)
            {
                // Nothing was written and nothing marked written: the next round writes these checkpoints again. A silo
                // paused inside this transaction past its leases finds them taken then, and its fences refuse.
                host.Logger.LogWarning(e, "Silo {Silo}: writing {Count} checkpoints of worker {Worker} failed; retrying next round", host.SiloId, writes.Count, Id);
                return;
            }
            foreach (var (owned, checkpoint) in writes)
            {
                if (written.Contains(owned.Shard.Id)) owned.Shard.CheckpointWritten(checkpoint);
                else Drop(owned, "checkpoint refused by the lease fence");
            }
        }
        // Idle grains leave at the snapshot cadence, after the checkpoint that holds them (not at every quiet checkpoint).
        foreach (var owned in byInterval)
            if (!owned.Lost && owned.Shard.SinceCheckpoint < interval) Collect(owned);
    }

    private void Collect(OwnedShard owned)
    {
        try { owned.Shard.CollectIdle(host.Options.IdleAfter); }
        catch (Exception e) { Failed(owned, e); }
    }

    private void Failed(OwnedShard owned, Exception e)
    {
        if (e is LeaseLostException lost) { Drop(owned, lost.Message); return; }
        // Any other error drops the shard too, and is reported as a drop like the others. The usual one in a cluster is a
        // silo paused inside a fenced checkpoint: the server ends the stalled transaction's session
        // (idle_in_transaction_session_timeout), the lease expires and moves, and on resuming the write fails with a
        // connection error instead of a refused fence. Nothing was written either way. The lease loop frees a lease held
        // in the store but no longer served here, so another silo (or this one, from the checkpoint) takes the shard over.
        Drop(owned, owned.Lost
            ? $"its lease was lost ({e.GetType().Name}: {e.Message})"
            : $"it failed ({e.GetType().Name}: {e.Message}); it is recovered from its checkpoint", e);
    }

    /// <summary>Every way a worker stops serving a shard without handing it over goes through here, and logs it.</summary>
    private void Drop(OwnedShard owned, string reason, Exception? error = null)
    {
        Forget(owned);
        const string message = "Silo {Silo} dropped shard {Shard} (epoch {Epoch}) and its {Resident} resident grains: {Reason}";
        if (error is null) host.Logger.LogWarning(message, host.SiloId, owned.Shard.Id, owned.Lease.Epoch, owned.Shard.ResidentCount, reason);
        else host.Logger.LogError(error, message, host.SiloId, owned.Shard.Id, owned.Lease.Epoch, owned.Shard.ResidentCount, reason);
    }

    private void Forget(OwnedShard owned)
    {
        owned.Lost = true;
        _mine.TryRemove(new KeyValuePair<int, OwnedShard>(owned.Shard.Id, owned));
        host.Forget(owned);
    }
}
