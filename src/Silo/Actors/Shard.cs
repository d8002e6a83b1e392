using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Shinsa.Grains;
using Shinsa.Grains.Households;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Grains.Rollups;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Actors;

/// <summary>
/// One shard: its resident grains, its partials (KPI rollup, measures, review clock, rules, and the findings,
/// 高額療養費 rows and timers changed since the last checkpoint) and its log position. Only the shard's worker calls the
/// mutating members, one record at a time, so grains are turn-based without locks. The partials are also read by queries, which take <see cref="PartialsLock"/>.
/// </summary>
internal sealed class Shard
{
    // A struct in the dictionary's own entries: one object less per resident household for the GC. ChangedIn says
    // whether the grain changed since the last checkpoint (it equals _generation then): eviction asks it of every
    // resident, and a lookup in a set of changed keys per resident was most of an eviction's cost.
    private struct Resident(HouseholdGrain grain, long lastTouched)
    {
        public HouseholdGrain Grain { get; } = grain;
        public long LastTouched { get; set; } = lastTouched;
        public long ChangedIn { get; set; }
    }

    private readonly ILogStore _store;
    private readonly ReferenceMasters _masters;
    private readonly int _residentCap;
    private readonly Dictionary<string, Resident> _resident = new();
    // The grains changed since the last checkpoint, which writes them; a checkpoint starts a new generation.
    private readonly List<KeyValuePair<string, HouseholdGrain>> _changed = new();
    private long _generation = 1;
    private long _appliedSeq;
    private long _checkpointSeq;
    private long _lastCheckpointTicks = Stopwatch.GetTimestamp();
    private ReviewContext? _context;

    private readonly bool _review;
    // Cluster mode: writes the checkpoint only while the silo holds the shard's lease (fencing); null = unconditional.
    private readonly FencedCheckpoint? _fencedCheckpoint;

    private readonly CellTotals _totals;
    // The cells' changes of checkpoints written since the last fold into the totals (CellTotals.Fold), by position.
    private List<(long Seq, KpiRollup Kpis, MeasureRollup Measures)> _stored = new();

    public Shard(int id, ILogStore store, int residentCap, ReferenceMasters masters, bool review = true,
        FencedCheckpoint? fencedCheckpoint = null, CellTotals? totals = null)
    {
        Id = id;
        _totals = totals ?? new CellTotals(shared: false);
        _review = review;
        _store = store;
        _masters = masters;
        _residentCap = Math.Max(1, residentCap);
        _fencedCheckpoint = fencedCheckpoint;
    }

    public int Id { get; }
    public ShardPartials Partials { get; private set; } = new();
    public object PartialsLock { get; } = new();

    /// <summary>The totals this shard's checkpoints add to (those of the silo; a shard alone in a test gets its own).</summary>
    public CellTotals Totals => _totals;

    /// <summary>The cells' changes of checkpoints written but not yet in <see cref="Totals"/>; read under <see cref="PartialsLock"/>.</summary>
    public IReadOnlyList<(long Seq, KpiRollup Kpis, MeasureRollup Measures)> Stored => _stored;

    /// <summary>Hands over <see cref="Stored"/> (<see cref="CellTotals.Fold"/>, under <see cref="PartialsLock"/>).</summary>
    public IReadOnlyList<(long Seq, KpiRollup Kpis, MeasureRollup Measures)> TakeStored()
    {
        var stored = _stored;
        _stored = new();
        return stored;
    }

    /// <summary>The position of the checkpoint this shard recovered from (0: none): its changes count from there.</summary>
    public long RecoveredSeq { get; private set; }

    /// <summary>Log position of the last record applied: everything up to it is in the grains and the partials.</summary>
    public long AppliedSeq => Volatile.Read(ref _appliedSeq);

    public long CheckpointSeq => Volatile.Read(ref _checkpointSeq);
    public int ResidentCount => Volatile.Read(ref _residentCount);
    private int _residentCount;

    public long RecordsSinceCheckpoint => AppliedSeq == CheckpointSeq ? 0 : _recordsSinceCheckpoint;
    private long _recordsSinceCheckpoint;

    public TimeSpan SinceCheckpoint => Stopwatch.GetElapsedTime(_lastCheckpointTicks);

    /// <summary>The rules this shard applies: the last RulesChanged of its log, or the starter set before any.</summary>
    public ReviewContext Context => _context ??= new ReviewContext(
        Partials.RulesJson is { } json ? RuleSet.Parse(json) : RuleSet.Starter, _masters, Partials.AsOf);

    /// <summary>
    /// A checkpoint's partials: the review clock and rules. The cells, findings, 高額療養費 rows and timers stay in the store
    /// (the cells' totals are the silo's, <see cref="CellTotals"/>). A checkpoint from before the findings' totals were
    /// measures is brought up to date from the stored rows (<see cref="AddTotalsOfStoredRows"/>).
    /// </summary>
    public static ShardPartials StoredPartials(ILogStore store, ShardCheckpoint checkpoint)
    {
        var partials = GrainCodec.DecodePartials(checkpoint.Partials);
        partials.StoredThrough = checkpoint.AppliedSeq;
        if (partials.StoredBeforeTotals) AddTotalsOfStoredRows(store, checkpoint.Shard, partials);
        return partials;
    }

    /// <summary>
    /// A checkpoint written before schema 5 (store) / format 5 (partials): its findings and 高額療養費 rows have no
    /// scope, and their totals are not measures. Both come from the stored rows, once: the rows become changes (queries
    /// then see them, and the next checkpoint rewrites them with their scope), and each household's totals are added.
    /// Rows a still older checkpoint kept inside the partials are among the changes already.
    /// </summary>
    private static void AddTotalsOfStoredRows(ILogStore store, int shard, ShardPartials partials)
    {
        foreach (var stored in store.LoadFindings(shard)) partials.SetFinding(GrainCodec.DecodeFinding(stored));
        foreach (var stored in store.LoadHighCost(shard))
        {
            var row = GrainCodec.DecodeHighCost(stored);
            if (!partials.ChangedHighCost.ContainsKey((row.Card.Key, row.Month))) partials.SetHighCost(row);
        }
        var findings = partials.ChangedFindings.Values.Where(f => f.State == Grains.Findings.FindingState.Open).ToLookup(f => f.Card.Key);
        var highCost = partials.ChangedHighCost.Values.OfType<Grains.HighCost.HighCostRow>().ToLookup(h => h.Card.Key);
        foreach (var card in findings.Select(g => g.Key).Union(highCost.Select(g => g.Key)))
            ReviewTotals.AddTo(partials.Measures, +1, findings[card], highCost[card]);
        // Before, an open finding counted in the KPI cell of its first receipt's 請求年月, not its latest: it moves.
        foreach (var finding in findings.SelectMany(g => g).Where(f => !f.Receipts.IsDefaultOrEmpty))
        {
            var before = KpiRollup.KeyOf(finding) with { BillingMonth = finding.Receipts[0].BillingMonth };
            if (before == KpiRollup.KeyOf(finding)) continue;
            partials.Kpis.Add(before, -KpiRollup.CountersOf(finding));
            partials.Kpis.Add(KpiRollup.KeyOf(finding), KpiRollup.CountersOf(finding));
        }
        partials.StoredBeforeTotals = false;
    }

    /// <summary>The row key of a 高額療養費 row in the store.</summary>
    public static string HighCostId((string Card, Grains.Records.YearMonth Month) key) => $"{key.Card}/{key.Month}";

    /// <summary>The scope a worklist finds findings and 高額療養費 rows by: insurer and service month.</summary>
    public static string ScopeOf(string insurerNo, YearMonth month) => $"{insurerNo}/{month.Value}";

    /// <summary>The row key of a timer in the store: the due month first (yyyyMM), so keys sort by due month.</summary>
    public static string TimerId((int Due, string Card) timer) => $"{timer.Due}/{timer.Card}";

    /// <summary>The bound below which the keys of the timers due up to <paramref name="month"/> sort (<see cref="ILogStore.TimersBefore"/>).</summary>
    private static string TimersDueBy(YearMonth month) => (month.Value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Loads the last checkpoint and replays the log after it (recovery = snapshots + log tail).</summary>
    public int Recover()
    {
        var checkpoint = _store.LoadCheckpoint(Id);
        if (checkpoint is not null)
        {
            Partials = StoredPartials(_store, checkpoint);
            _context = null;
            _appliedSeq = _checkpointSeq = checkpoint.AppliedSeq;
            RecoveredSeq = checkpoint.AppliedSeq;
        }
        var replayed = 0;
        foreach (var entry in _store.ReadShard(Id, _appliedSeq))
        {
            Apply(entry.Seq, GrainCodec.DecodeRecord(entry.Payload));
            replayed++;
        }
        return replayed;
    }

    /// <summary>Applies the next record of the shard's log; <paramref name="grainKey"/> is its card's key when the caller has it already.</summary>
    public void Apply(long seq, LogRecord record, string? grainKey = null)
    {
        if (seq <= _appliedSeq)
            throw new InvalidOperationException($"shard {Id}: record {seq} arrived after {_appliedSeq}; the log must be applied in order");
        lock (PartialsLock)
        {
            switch (record)
            {
                case ClockAdvanced clock: AdvanceClock(clock.Month); break;
                case RulesChanged rules: ChangeRules(rules.RulesJson, seq); break;
                default:
                    // The card's key is a new string each time it is asked for: once per record is enough.
                    var key = grainKey ?? record.Card.Key;
                    ref var resident = ref Activate(record.Card, key);
                    resident.Grain.Apply(record, Partials, Context, _review);
                    MarkChanged(ref resident, key);
                    break;
            }
        }
        _recordsSinceCheckpoint++;
        Volatile.Write(ref _appliedSeq, seq);
    }

    /// <summary>
    /// Moves the review clock forward (never back) and fires every timer it has reached. Both steps are idempotent:
    /// an eviction can checkpoint in the middle of this record, and its replay must finish the job, not skip it.
    /// </summary>
    private void AdvanceClock(YearMonth month)
    {
        if (month > Partials.AsOf)
        {
            Partials.AsOf = month;
            _context = null;
        }
        foreach (var key in DueHouseholds(Partials.AsOf)) ReviewAgain(key);
    }

    /// <summary>The households with a timer due by <paramref name="month"/>: the stored timers, with the changes since the last checkpoint over them.</summary>
    private List<string> DueHouseholds(YearMonth month)
    {
        var due = new SortedSet<(int Due, string Card)>();
        foreach (var stored in _store.TimersBefore(Id, TimersDueBy(month))) due.Add(GrainCodec.DecodeTimer(stored));
        foreach (var (timer, set) in Partials.ChangedTimers)
            if (!set) due.Remove(timer);
            else if (timer.Due <= month.Value) due.Add(timer);
        return due.Select(t => t.Card).Distinct().ToList();
    }

    /// <summary>
    /// A new rule file: every household of the shard, resident or stored, is reviewed under it. Reviewing is
    /// idempotent, so a replay after a checkpoint taken in the middle of this record simply goes over them all again.
    /// </summary>
    private void ChangeRules(string json, long seq)
    {
        Partials.RulesJson = json;
        Partials.RulesSeq = seq;
        _context = null;
        foreach (var key in _store.GrainKeys(Id).Union(_resident.Keys).Order(StringComparer.Ordinal).ToList())
            ReviewAgain(key);
    }

    private void ReviewAgain(string grainKey)
    {
        if (!_review) return;
        ref var resident = ref Activate(HouseholdCard.FromKey(grainKey), grainKey);
        resident.Grain.Review(Partials, Context);
        MarkChanged(ref resident, grainKey);
    }

    /// <summary>Notes that a resident grain changed, so the next checkpoint writes it (once, however often it changed).</summary>
    private void MarkChanged(ref Resident resident, string grainKey)
    {
        if (resident.ChangedIn == _generation) return;
        resident.ChangedIn = _generation;
        _changed.Add(new(grainKey, resident.Grain));
    }

    /// <summary>The household's resident entry, loaded or created first if need be; valid until the next activation.</summary>
    private ref Resident Activate(HouseholdCard card, string key)
    {
        var now = Stopwatch.GetTimestamp();
        ref var resident = ref CollectionsMarshal.GetValueRefOrNullRef(_resident, key);
        if (!Unsafe.IsNullRef(ref resident))
        {
            resident.LastTouched = now;
            return ref resident;
        }
        if (_resident.Count >= _residentCap) Evict(_residentCap * 3 / 4);
        var stored = _prefetched.Remove(key, out var fetched) ? fetched : _store.LoadGrain(Id, key);
        var grain = stored is null ? new HouseholdGrain(card) : HouseholdGrain.FromSnapshot(GrainCodec.DecodeSnapshot(stored), _masters);
        ref var added = ref CollectionsMarshal.GetValueRefOrAddDefault(_resident, key, out _);
        added = new Resident(grain, now);
        _residentCount = _resident.Count;
        return ref added;
    }

    // Snapshots read ahead for the next records (null = known absent). An entry is used once, before the grain first
    // becomes resident, so it is never older than the store (only this shard's checkpoints write its grains).
    private readonly Dictionary<string, byte[]?> _prefetched = new();

    /// <summary>
    /// Loads, in one store call, the snapshots of the grains that the next records of each shard need and that are not
    /// resident (a new household is otherwise a store round trip of its own). The shards share one store.
    /// </summary>
    public static void Prefetch(IReadOnlyCollection<(Shard Shard, IEnumerable<string> GrainKeys)> next)
    {
        if (next.Count == 0) return;
        var missing = new HashSet<(int Shard, string Key)>();
        var byId = new Dictionary<int, Shard>();
        foreach (var (shard, keys) in next)
        {
            shard._prefetched.Clear();
            byId[shard.Id] = shard;
            foreach (var key in keys)
                if (!shard._resident.ContainsKey(key)) missing.Add((shard.Id, key));
        }
        if (missing.Count == 0) return;
        var found = next.First().Shard._store.LoadGrains(missing);
        foreach (var grain in missing) byId[grain.Shard]._prefetched[grain.Key] = found.GetValueOrDefault(grain);
    }

    /// <summary>Writes every changed grain, the partials and the applied position in one transaction.</summary>
    public void Checkpoint()
    {
        if (PrepareCheckpoint() is not { } checkpoint) return;
        if (_fencedCheckpoint is null)
            _store.WriteCheckpoint(checkpoint);
        else if (!_fencedCheckpoint(checkpoint)) throw new LeaseLostException(Id, "checkpoint refused by the lease fence");
        CheckpointWritten(checkpoint);
    }

    /// <summary>
    /// What a checkpoint now would write; null when it would write nothing (the interval starts again). Nothing is
    /// marked written until <see cref="CheckpointWritten"/>, so a write that fails loses nothing: the next checkpoint
    /// writes it all again. A cluster worker writes the checkpoints of its due shards in one transaction this way.
    /// </summary>
    public CheckpointWrite? PrepareCheckpoint()
    {
        // Changes with no record applied since the last checkpoint come from recovery (rows of an older store moving).
        if (_appliedSeq == _checkpointSeq && _changed.Count == 0 && !Partials.HasChanges) { _lastCheckpointTicks = Stopwatch.GetTimestamp(); return null; }
        var grains = new List<ShardRow>(_changed.Count);
        foreach (var (key, grain) in _changed)
            grains.Add(new(key, GrainCodec.Encode(grain.ToSnapshot())));
        lock (PartialsLock)
        {
            var findings = Partials.ChangedFindings.Values
                .Select(f => new ShardRow(f.Id, GrainCodec.EncodeFinding(f), ScopeOf(f.Card.InsurerNo, f.ServiceMonth))).ToList();
            // A row removed since the last checkpoint is deleted (an empty body).
            var highCost = Partials.ChangedHighCost.Select(change => change.Value is { } row
                ? new ShardRow(HighCostId(change.Key), GrainCodec.EncodeHighCost(row), ScopeOf(row.Card.InsurerNo, row.Month))
                : new ShardRow(HighCostId(change.Key), [])).ToList();
            var timers = Partials.ChangedTimers.Select(change => new ShardRow(TimerId(change.Key), change.Value ? GrainCodec.EncodeTimer(change.Key) : [])).ToList();
            return new CheckpointWrite(Id, _appliedSeq, GrainCodec.EncodeWithoutRows(Partials), grains, findings, highCost, timers)
            {
                KpiCells = Partials.Kpis.All().Select(CellValues.Of).ToList(),
                MeasureCells = Partials.Measures.All().Select(CellValues.Of).ToList(),
            };
        }
    }

    /// <summary>Marks <paramref name="checkpoint"/> (from <see cref="PrepareCheckpoint"/>, with nothing applied since) as stored.</summary>
    public void CheckpointWritten(CheckpointWrite checkpoint)
    {
        if (checkpoint.AppliedSeq != _appliedSeq)
            throw new InvalidOperationException($"shard {Id}: a checkpoint at {checkpoint.AppliedSeq} was written after records up to {_appliedSeq} were applied");
        lock (PartialsLock)
        {
            var (kpis, measures) = Partials.MarkStored(_appliedSeq);
            if (kpis.Count > 0 || measures.Count > 0) _stored.Add((_appliedSeq, kpis, measures));
            Volatile.Write(ref _checkpointSeq, _appliedSeq);
        }
        _changed.Clear();
        _generation++;
        _recordsSinceCheckpoint = 0;
        _lastCheckpointTicks = Stopwatch.GetTimestamp();
        // An eviction checkpoints in the middle of a record, under the partials' lock, which comes after the totals' lock:
        // what it stored waits for the next checkpoint's fold (queries count it meanwhile, from Stored).
        if (!Monitor.IsEntered(PartialsLock)) _totals.Fold(this);
    }

    /// <summary>Drops grains idle longer than <paramref name="idleAfter"/> (after a checkpoint, so nothing is lost).</summary>
    public int CollectIdle(TimeSpan idleAfter)
    {
        var cutoff = Stopwatch.GetTimestamp() - (long)(idleAfter.TotalSeconds * Stopwatch.Frequency);
        var idle = new List<string>();
        var idleChanged = false;
        foreach (var (key, resident) in _resident)
        {
            if (resident.LastTouched > cutoff) continue;
            idle.Add(key);
            idleChanged |= resident.ChangedIn == _generation;
        }
        if (idle.Count == 0) return 0;
        if (idleChanged) Checkpoint();
        foreach (var key in idle) _resident.Remove(key);
        _residentCount = _resident.Count;
        return idle.Count;
    }

    /// <summary>
    /// Keeps the resident set under the cap by dropping the least recently used grains, unchanged ones first: a grain
    /// unchanged since the last checkpoint is in the store as it is, so it leaves without one; only when too few are
    /// unchanged does the shard checkpoint first. (A checkpoint encodes all the shard's partials: when every eviction took one, a shard
    /// past its cap checkpointed every few thousand records.)
    /// </summary>
    private void Evict(int keep)
    {
        var needed = _resident.Count - keep;
        var leaving = LeastRecentlyUsed(needed, unchangedOnly: true);
        if (leaving.Length < needed)
        {
            Checkpoint();
            leaving = LeastRecentlyUsed(needed, unchangedOnly: false);
        }
        foreach (var key in leaving) _resident.Remove(key);
        _residentCount = _resident.Count;
    }

    /// <summary>The keys of the <paramref name="count"/> residents touched longest ago (fewer if there are not as many).</summary>
    private string[] LeastRecentlyUsed(int count, bool unchangedOnly)
    {
        var touched = new long[_resident.Count];
        var keys = new string[_resident.Count];
        var n = 0;
        foreach (var (key, resident) in _resident)
        {
            if (unchangedOnly && resident.ChangedIn == _generation) continue;
            touched[n] = resident.LastTouched;
            keys[n++] = key;
        }
        Array.Sort(touched, keys, 0, n);
        return keys[..Math.Min(count, n)];
    }

    internal bool IsResident(string grainKey) => _resident.ContainsKey(grainKey);

    /// <summary>A resident or stored grain, for queries; must be called on the shard's worker.</summary>
    public HouseholdGrain? Peek(string grainKey)
    {
        if (_resident.TryGetValue(grainKey, out var r)) return r.Grain;
        var stored = _store.LoadGrain(Id, grainKey);
        return stored is null ? null : HouseholdGrain.FromSnapshot(GrainCodec.DecodeSnapshot(stored), _masters);
    }
}

/// <summary>Writes a checkpoint only while the silo holds the shard's lease (cluster mode); false when the fence refused it.</summary>
internal delegate bool FencedCheckpoint(CheckpointWrite checkpoint);

/// <summary>The silo no longer holds the shard's lease (cluster mode): the shard must be dropped, not retried.</summary>
internal sealed class LeaseLostException(int shard, string reason) : Exception($"shard {shard}: {reason}")
{
    public int Shard { get; } = shard;
}
