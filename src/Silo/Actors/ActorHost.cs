using System.Diagnostics;
using Microsoft.Extensions.Options;
using Shinsa.Grains;
using Shinsa.Grains.Rollups;
using Shinsa.Silo.Hosting;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Actors;

/// <summary>
/// The actor host: owns the shards and their workers, recovers them from the store at start, routes appended
/// records to the shard workers, and answers queries over the shards' partials. It knows nothing of the domain
/// beyond "a record for a household card".
/// </summary>
public sealed class ActorHost : IHostedService, IAsyncDisposable
{
    private readonly ILogStore _store;
    private readonly ShinsaOptions _options;
    private readonly ILogger<ActorHost> _logger;
    private readonly ShinsaMetrics _metrics;
    private readonly Shard[] _shards;
    private readonly ShardWorker[] _workers;
    private readonly List<Task> _running = new();
    // Cluster mode (a store with shard leases): shards are owned dynamically and tailed from the log; null = embedded.
    private readonly ClusterHost? _cluster;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Timer? _housekeeping;
    private long _backlog;
    private readonly Grains.Masters.ReferenceMasters _masters;
    private volatile Exception? _fault;
    // Embedded: the cells' totals of every shard's checkpoints (the cluster host keeps its own).
    private readonly CellTotals _totals = new(shared: false);

    public ActorHost(ILogStore store, IOptions<ShinsaOptions> options, ILogger<ActorHost> logger, ShinsaMetrics metrics,
        Masters.MastersProvider masters)
    {
        _store = store;
        _masters = masters.Masters;
        _options = options.Value;
        _logger = logger;
        _metrics = metrics;
        Map = new ShardMap(_options.ShardCount);
        if (store is IShardLeases leases)
        {
            _cluster = new ClusterHost(store, leases, _options, logger, records => _metrics.RecordsApplied.Add(records), masters.Masters);
            _shards = [];
            _workers = [];
            metrics.ObserveHost(this);
            return;
        }
        var perShardCap = Math.Max(1, _options.ResidentGrainCap / _options.ShardCount);
        _shards = Enumerable.Range(0, _options.ShardCount)
            .Select(i => new Shard(i, store, perShardCap, masters.Masters, _options.Review.Enabled, totals: _totals)).ToArray();
        var workers = Math.Clamp(_options.Workers, 1, _options.ShardCount);
        _workers = Enumerable.Range(0, workers)
            .Select(w => new ShardWorker(w, _shards.Where(s => s.Id % workers == w), _options, OnApplied, OnFault))
            .ToArray();
        metrics.ObserveHost(this);
    }

    public ShardMap Map { get; }

    /// <summary>The shards this silo applies in embedded mode (tests look at what they keep in memory).</summary>
    internal IReadOnlyList<Shard> EmbeddedShards => _shards;
    public bool IsReady => _ready.Task.IsCompletedSuccessfully && _fault is null;
    public Task Ready => _ready.Task;
    public Exception? Fault => _fault;
    public long Backlog => Interlocked.Read(ref _backlog);
    public int ResidentGrains => _cluster?.ResidentGrains ?? _shards.Sum(s => s.ResidentCount);
    public int ShardCount => _options.ShardCount;

    /// <summary>True when every shard has applied the log up to the given position (a submission's last entries).</summary>
    public bool IsApplied(IReadOnlyDictionary<int, long> lastSeqByShard) =>
        _cluster?.IsApplied(lastSeqByShard) ?? lastSeqByShard.All(kv => _shards[kv.Key].AppliedSeq >= kv.Value);

    /// <summary>Cluster mode only: this silo's member id and lease view; null when embedded.</summary>
    internal ClusterHost? Cluster => _cluster;

    public IEnumerable<(int Shard, int Worker, long AppliedSeq, long CheckpointSeq, int Resident)> ShardStatus() =>
        _cluster is not null
            ? _cluster.Owned.Where(o => o.Serving)
                .Select(o => (o.Shard.Id, o.Shard.Id % Math.Clamp(_options.Workers, 1, _options.ShardCount), o.Shard.AppliedSeq, o.Shard.CheckpointSeq, o.Shard.ResidentCount))
                .OrderBy(s => s.Item1)
            : _workers.SelectMany(w => w.Shards.Select(s => (s.Id, w.Id, s.AppliedSeq, s.CheckpointSeq, s.ResidentCount))).OrderBy(s => s.Item1);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _store.Initialize(_options.ShardCount);
        // Recovery runs in the background so /health/live answers at once; /health/ready and ingestion wait for it.
        _ = Task.Run(Recover, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task Recover()
    {
        try
        {
            if (_cluster is not null)
            {
                // Joins the cluster; acquired shards recover on their workers (ready does not wait for them:
                // any silo may append and answer while shards move).
                _cluster.Start();
                _logger.LogInformation("Silo {Silo} joined the cluster (lease timeout {Timeout})", _cluster.SiloId, _options.LeaseTimeout);
                _ready.TrySetResult();
                return;
            }
            var clock = Stopwatch.StartNew();
            // Before the replay: an eviction during it checkpoints, adding to the store's totals and keeping its changes
            // beside the shard until the next fold; loaded after, those changes would count twice.
            _totals.Load(_store, _shards.Select(s => _store.LoadCheckpoint(s.Id)).OfType<ShardCheckpoint>().ToDictionary(c => c.Shard, c => c.AppliedSeq));
            var replayed = await Task.WhenAll(_workers.Select(w => Task.Run(() => w.Shards.Sum(s => s.Recover()))));
            _logger.LogInformation("Recovered {Shards} shards in {Elapsed} ms, replaying {Records} log records after the snapshots",
                _shards.Length, clock.ElapsedMilliseconds, replayed.Sum());
            foreach (var worker in _workers) _running.Add(Task.Run(worker.RunAsync));
            _housekeeping = new Timer(_ => { foreach (var w in _workers) w.Nudge(); }, null,
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            _ready.TrySetResult();
        }
        catch (Exception e)
        {
            OnFault(e);
            _ready.TrySetException(e);
        }
    }

    internal void PauseWorkers() { foreach (var w in _workers) w.Pause(); }
    internal void ResumeWorkers() { foreach (var w in _workers) w.Resume(); }

    private int _clock;

    /// <summary>True when <paramref name="month"/> is later than the review clock as this silo knows it (and records it).</summary>
    public bool TryMoveClock(Grains.Records.YearMonth month)
    {
        if (_clock == 0)
        {
            var latest = 0;
            ForEachPartials((_, p) => latest = Math.Max(latest, p.AsOf.Value));
            Interlocked.CompareExchange(ref _clock, latest, 0);
        }
        while (true)
        {
            var current = Volatile.Read(ref _clock);
            if (month.Value <= current) return false;
            if (Interlocked.CompareExchange(ref _clock, month.Value, current) == current) return true;
        }
    }

    /// <summary>Reserves room for <paramref name="records"/> in the backlog; false means "answer 429".</summary>
    public bool TryAdmit(int records)
    {
        while (true)
        {
            var current = Interlocked.Read(ref _backlog);
            // A file bigger than the whole bound still gets in when nothing else is waiting, or it never would.
            if (current > 0 && current + records > _options.MaxBacklogRecords) return false;
            if (Interlocked.CompareExchange(ref _backlog, current + records, current) == current) return true;
        }
    }

    public void Release(int records) => Interlocked.Add(ref _backlog, -records);

    /// <summary>Counts records that entered the log without being admitted (released waiting records) into the backlog.</summary>
    public void Reserve(int records) => Interlocked.Add(ref _backlog, records);

    private void OnApplied(int records)
    {
        Interlocked.Add(ref _backlog, -records);
        _metrics.RecordsApplied.Add(records);
    }

    private void OnFault(Exception e)
    {
        _fault ??= e;
        _logger.LogCritical(e, "A shard worker failed; the silo stops applying records and reports not ready. Restart replays the log.");
    }

    /// <summary>Hands appended records (their log payloads) to their shards' workers, in log order.</summary>
    internal async ValueTask DispatchAsync(int shard, long seq, byte[] payload)
    {
        if (_cluster is not null)
        {
            // The owner (here or on another silo) reads the record from the log; the backlog bound covers the
            // records waiting to be appended.
            Interlocked.Decrement(ref _backlog);
            _cluster.Wake(shard);
            return;
        }
        var worker = _workers[shard % _workers.Length];
        await worker.EnqueueAsync(new WorkItem(shard, seq, payload), CancellationToken.None);
    }

    /// <summary>
    /// Visits every shard's partials: the live ones of the shards served here; in cluster mode, the latest checkpoint
    /// of the others (so an answer trails their owners by at most the snapshot interval).
    /// </summary>
    private void ForEachPartials(Action<int, ShardPartials> visit)
    {
        if (_cluster is not null) { _cluster.ForEachPartials(visit); return; }
        foreach (var shard in _shards)
            lock (shard.PartialsLock) visit(shard.Id, shard.Partials);
    }

    /// <summary>
    /// Visits the KPI and measure cells, which add up to every cell once: the totals of the checkpoints and the changes
    /// of the shards served here since (in cluster mode, other silos' shards as of their latest checkpoint).
    /// </summary>
    private void ForEachCells(Action<KpiRollup, MeasureRollup> visit)
    {
        if (_cluster is not null) { _cluster.ForEachCells(visit); return; }
        _totals.Visit(_shards, visit);
    }

    /// <summary>
    /// Where each shard's partials stand in its log, as the sums below read them. Partials are a function of the log
    /// up to that position, so while the positions are equal every sum is too. Read before the sums: they may then
    /// include more than the positions say, never less.
    /// </summary>
    public long[] PartialsPositions() => _cluster?.PartialsPositions() ?? _shards.Select(s => s.AppliedSeq).ToArray();

    /// <summary>The sum of the KPI cells in <paramref name="months"/> that match <paramref name="filter"/>.</summary>
    public KpiCounters SumKpis(Months months, Func<KpiKey, bool> filter)
    {
        var total = default(KpiCounters);
        ForEachCells((kpis, _) => total += kpis.Sum(months, filter));
        return total;
    }

    /// <summary>The KPI cells in <paramref name="months"/> that match <paramref name="filter"/>, summed by <paramref name="groupOf"/>.</summary>
    public Dictionary<TGroup, KpiCounters> SumKpisBy<TGroup>(Months months, Func<KpiKey, bool> filter, Func<KpiKey, TGroup> groupOf)
        where TGroup : notnull
    {
        var totals = new Dictionary<TGroup, KpiCounters>();
        ForEachCells((kpis, _) => kpis.SumInto(months, filter, groupOf, totals));
        return totals;
    }

    /// <summary>The sum of the <paramref name="measure"/> cells in <paramref name="months"/> that match <paramref name="filter"/>.</summary>
    public MeasureValue SumMeasures(Measure measure, Months months, Func<MeasureKey, bool> filter)
    {
        var total = default(MeasureValue);
        ForEachCells((_, measures) => total += measures.Sum(measure, months, filter));
        return total;
    }

    /// <summary>The <paramref name="measure"/> cells in <paramref name="months"/> that match <paramref name="filter"/>, summed by <paramref name="groupOf"/>.</summary>
    public Dictionary<TGroup, MeasureValue> SumMeasuresBy<TGroup>(Measure measure, Months months, Func<MeasureKey, bool> filter,
        Func<MeasureKey, TGroup> groupOf) where TGroup : notnull
    {
        var totals = new Dictionary<TGroup, MeasureValue>();
        ForEachCells((_, measures) => measures.SumInto(measure, months, filter, groupOf, totals));
        return totals;
    }

    /// <summary>
    /// The findings of an insurer's service month: every shard's stored rows of that scope, with the changes since each
    /// shard's last checkpoint over them (in cluster mode, other silos' shards as of their last checkpoint), read from
    /// the store as they are enumerated.
    /// </summary>
    public IEnumerable<Grains.Findings.Finding> FindingsOf(string insurerNo, Grains.Records.YearMonth month) => StoredWithChanges(
        () => _store.FindingsInScope(Shard.ScopeOf(insurerNo, month)), GrainCodec.DecodeFinding, f => f.Id,
        p => p.ChangedFindings.Select(c => KeyValuePair.Create(c.Key, (Grains.Findings.Finding?)c.Value)),
        f => f.Card.InsurerNo == insurerNo && f.ServiceMonth == month);

    /// <summary>The 高額療養費 rows of an insurer's service month, read as <see cref="FindingsOf"/>.</summary>
    public IEnumerable<Grains.HighCost.HighCostRow> HighCostOf(string insurerNo, Grains.Records.YearMonth month) => StoredWithChanges(
        () => _store.HighCostInScope(Shard.ScopeOf(insurerNo, month)), GrainCodec.DecodeHighCost, h => (h.Card.Key, h.Month),
        p => p.ChangedHighCost, h => h.Card.InsurerNo == insurerNo && h.Month == month);

    /// <summary>The stored rows of a scope with every shard's changes over them (<see cref="StoredRows"/>).</summary>
    private IEnumerable<T> StoredWithChanges<TKey, T>(Func<IEnumerable<ScopedRow>> stored, Func<byte[], T> decode, Func<T, TKey> keyOf,
        Func<ShardPartials, IEnumerable<KeyValuePair<TKey, T?>>> changesOf, Func<T, bool> inScope) where TKey : notnull where T : class
    {
        var changes = new Dictionary<TKey, (T? Row, long StoredThrough)>();
        ForEachPartials((_, p) =>
        {
            foreach (var (key, row) in changesOf(p)) changes[key] = (row, p.StoredThrough);
        });
        return StoredRows.WithChanges(stored().Select(s => (s.CheckpointSeq, decode(s.Body))), changes, keyOf, inScope);
    }

    /// <summary>The review clock and rules in force, per shard (they agree once every shard has applied its log).</summary>
    public IReadOnlyList<(int Shard, Grains.Records.YearMonth AsOf, int RulesVersion)> ReviewState()
    {
        var state = new List<(int, Grains.Records.YearMonth, int)>();
        ForEachPartials((id, p) => state.Add((id, p.AsOf, p.RulesJson is { } json ? Grains.Review.RuleSet.Parse(json).Version : Grains.Review.RuleSet.Starter.Version)));
        return state.OrderBy(s => s.Item1).ToList();
    }

    /// <summary>The rule file each shard's log last set (null: none yet, the starter set applies) and the position that set it.</summary>
    public IReadOnlyList<(int Shard, string? Json, long Seq)> ShardRules()
    {
        var rules = new List<(int, string?, long)>();
        ForEachPartials((id, p) => rules.Add((id, p.RulesJson, p.RulesSeq)));
        return rules;
    }

    /// <summary>
    /// Runs <paramref name="read"/> on the worker of the card's shard, after the records already queued for it, and
    /// returns its answer: grains are only ever touched by their shard's worker.
    /// </summary>
    public async Task<T> ReadGrainAsync<T>(Grains.Records.HouseholdCard card, Func<Grains.Households.HouseholdGrain?, T> read)
    {
        var shardId = Map.ShardOf(card);
        // Cluster mode: the household as of its shard's last checkpoint (at most a snapshot interval behind its owner).
        if (_cluster is not null)
            return read(_store.LoadGrain(shardId, card.Key) is { } stored
                ? Grains.Households.HouseholdGrain.FromSnapshot(GrainCodec.DecodeSnapshot(stored), _masters) : null);
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _workers[shardId % _workers.Length].EnqueueAsync(new WorkItem(shardId, 0, null, shard =>
        {
            try { answer.TrySetResult(read(shard.Peek(card.Key))); }
            catch (Exception e) { answer.TrySetException(e); }
        }), CancellationToken.None);
        return await answer.Task;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _housekeeping?.Dispose();
        if (_cluster is not null)
        {
            if (_ready.Task.IsCompletedSuccessfully) await _cluster.StopAsync(cancellationToken);
            return;
        }
        foreach (var worker in _workers) worker.Complete();
        await Task.WhenAll(_running).WaitAsync(cancellationToken);
        _logger.LogInformation("Shard workers stopped after writing their snapshots");
    }

    public async ValueTask DisposeAsync()
    {
        if (_housekeeping is not null) await _housekeeping.DisposeAsync();
    }
}
