using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Households;

/// <summary>
/// A household (世帯) keyed by its card: its members' eligibility, receipts, check-ups, 傷病届, 柔整 and care claims,
/// and what the review made of them (findings, 高額療養費). All state changes come through <see cref="Apply"/>; the
/// grain has no clock, no randomness and no I/O.
/// After every change the whole catalogue is re-run over the household and the result is diffed against what the
/// grain had contributed to its shard's partials (KPIs, finding and high-cost indexes, timers): findings and amounts
/// are a function of the household's records, never of the order they came in, and a withdrawn record takes back
/// exactly what it gave.
/// </summary>
public sealed class HouseholdGrain
{
    /// <summary>
    /// A receipt as the grain holds it: encoded (one array instead of dozens of objects, which keeps a large resident
    /// set cheap for the GC, and is written to the snapshot as is) with the KPI contribution it made.
    /// </summary>
    private sealed record Held(ReceiptKey Key, KpiKey Cell, KpiCounters Contribution, byte[] Encoded)
    {
        // Decoded when read, not kept: a resident set of decoded receipts (dozens of objects each) costs the GC more
        // than decoding the months a review reads.
        public Receipt Receipt => GrainCodec.DecodeReceipt(Encoded);
    }

    // In ReceiptKeyOrder. A sorted array rather than a SortedDictionary or a list: most households hold a receipt or
    // two, and the dictionary's tree, comparer and node (the list's object) were more objects per resident household.
    private Held[] _receipts = [];

    /// <summary>Where <paramref name="key"/> is in <see cref="_receipts"/>, or the complement of where it would go.</summary>
    private int IndexOf(ReceiptKey key) => SortedArray.IndexOf(_receipts, key, static h => h.Key, ReceiptKeyOrder.Instance);

    private Held? HeldAt(ReceiptKey key) => IndexOf(key) is var i and >= 0 ? _receipts[i] : null;

    // Open findings and the history of closed ones (resolved: the condition cleared; withdrawn: a receipt left), in
    // ordinal Id order: an array rather than a dictionary, like the receipts.
    private Finding[] _findings = [];

    private Finding? FindingOf(string id) => FindingIndex(id) is var at and >= 0 ? _findings[at] : null;

    private int FindingIndex(string id) => SortedArray.IndexOf(_findings, id, static f => f.Id, StringComparer.Ordinal);

    private void SetFinding(Finding finding)
    {
        var at = FindingIndex(finding.Id);
        if (at >= 0) _findings[at] = finding;
        else SortedArray.Insert(ref _findings, ~at, finding);
    }

    // The other parts are made on first use (…OrNull is null until then, and read through that field): most households
    // hold a receipt or two and nothing else, and ten empty collections were two thirds of a resident grain's memory.
    // Kept as a set so a row delivered twice (a retried eligibility file) is a no-op.
    private SortedSet<EligibilityEvent>? _eligibilityOrNull;
    private SortedSet<EligibilityEvent> _eligibility => _eligibilityOrNull ??= new(EligibilityOrder.Instance);
    // A later result for the same person and exam date is a correction: it replaces the earlier one.
    private SortedDictionary<(string Branch, int ExamDate), Checkup>? _checkupsOrNull;
    private SortedDictionary<(string Branch, int ExamDate), Checkup> _checkups => _checkupsOrNull ??= new();
    private SortedDictionary<(string Branch, int ReportDate, string Cause), ThirdPartyReport>? _thirdPartyReportsOrNull;
    private SortedDictionary<(string Branch, int ReportDate, string Cause), ThirdPartyReport> _thirdPartyReports => _thirdPartyReportsOrNull ??= new();
    private SortedDictionary<(string Provider, int BillingMonth, int ClaimNo), JudoClaim>? _judoClaimsOrNull;
    private SortedDictionary<(string Provider, int BillingMonth, int ClaimNo), JudoClaim> _judoClaims => _judoClaimsOrNull ??= new();
    private SortedDictionary<CareClaimKey, CareClaimHeld>? _careClaimsOrNull;
    private SortedDictionary<CareClaimKey, CareClaimHeld> _careClaims => _careClaimsOrNull ??= new();
    private SortedDictionary<YearMonth, HighCostRow>? _highCostOrNull;
    private SortedDictionary<YearMonth, HighCostRow> _highCost => _highCostOrNull ??= new();
    // What the last review counted toward the rates (第三者行為 届出率, 重症化予防 受診率), taken back before a recount.
    private HouseholdMeasures? _measuresOrNull;
    private HouseholdMeasures _measures => _measuresOrNull ??= new();
    // Review decisions by receipt, kept even when the receipt is not (yet) here: they apply whenever it arrives.
    private Dictionary<ReceiptKey, ReceiptDecisions>? _decisionsOrNull;
    private Dictionary<ReceiptKey, ReceiptDecisions> _decisions => _decisionsOrNull ??= new();

    public HouseholdGrain(HouseholdCard card) => Card = card;

    public HouseholdCard Card { get; }
    public int ReceiptCount => _receipts.Length;
    public IEnumerable<Receipt> Receipts => _receipts.Select(h => h.Receipt);
    public IEnumerable<Finding> Findings => _findings;
    public IEnumerable<Finding> OpenFindings => _findings.Where(f => f.State == FindingState.Open);
    public IEnumerable<EligibilityEvent> Eligibility => _eligibility;
    public IEnumerable<Checkup> Checkups => _checkups.Values;
    public IEnumerable<ThirdPartyReport> ThirdPartyReports => _thirdPartyReports.Values;
    public IEnumerable<JudoClaim> JudoClaims => _judoClaims.Values;
    public IEnumerable<CareClaimHeld> CareClaims => _careClaims.Values;
    public IEnumerable<HighCostRow> HighCost => _highCost.Values;
    public ReceiptDecisions DecisionsOf(ReceiptKey key) => DecisionsOn(key);
    // The months at which a finding may appear once the review clock reaches them (see FindingSink.Dues).
    private SortedSet<YearMonth>? _duesOrNull;
    private SortedSet<YearMonth> _dues => _duesOrNull ??= new();

    /// <summary>The review month at which this household must be looked at again with no new record (a durable timer).</summary>
    public YearMonth? NextDue => _duesOrNull is not { Count: > 0 } dues ? null : dues.Min;
    public IEnumerable<YearMonth> Dues => _dues;

    /// <summary>
    /// Applies a record. The KPIs are counted with <paramref name="context"/>'s masters (後発 quantities); with
    /// <paramref name="review"/> false the grain keeps records, KPIs and populations only (an ingest-only silo).
    /// </summary>
    public void Apply(LogRecord record, ShardPartials partials, ReviewContext context, bool review = true)
    {
        // Which months' findings this record can change, read before the change (a replaced or withdrawn receipt's month).
        var changed = ChangedMonths(record);
        var masters = context.Masters;
        switch (record)
        {
            case ReceiptArrived r: HoldReceipt(r, partials.Kpis, masters); break;
            case ReceiptWithdrawn w:
                Withdraw(w.Key, partials.Kpis);
                if (_judoClaims.Remove((w.Key.ProviderCode, w.Key.BillingMonth.Value, w.Key.ReceiptNo), out var withdrawn))
                    partials.Kpis.Add(KpiRollup.KeyOf(withdrawn), -KpiRollup.CountersOf(withdrawn));
                break;
            case DecisionArrived d: Decide(d.Decision, partials.Kpis, masters); break;
            case EligibilityArrived e: ChangePopulation(partials, () => _eligibility.Add(e.Event with { SourceLine = 0 })); break;
            case CheckupArrived c: ChangePopulation(partials, () => _checkups[(c.Checkup.Branch, c.Checkup.ExamDate)] = c.Checkup with { SourceLine = 0 }); break;
            case ThirdPartyReportArrived t: _thirdPartyReports[(t.Report.Branch, t.Report.ReportDate, t.Report.Cause)] = t.Report with { SourceLine = 0 }; break;
            case JudoClaimArrived j: HoldJudoClaim(j.Claim with { SourceLine = 0 }, partials.Kpis); break;
            case CareClaimArrived c: _careClaims[c.Held.Key] = c.Held with { Claim = c.Held.Claim with { SourceLine = 0 } }; break;
            case CareClaimWithdrawn w: _careClaimsOrNull?.Remove(w.Key); break;
            default: throw new ArgumentException($"unknown record {record.GetType().Name}", nameof(record));
        }
        if (review && changed.Count > 0) Review(partials, context, changed, (record as ReceiptArrived)?.Receipt);
    }

    /// <summary>Eligibility and check-ups move the household's insured populations: from their value before the change to after.</summary>
    private void ChangePopulation(ShardPartials partials, Action change)
    {
        var before = Population();
        change();
        HouseholdMeasures.Move(partials.Measures, Card.InsurerNo, before, Population());
    }

    private HouseholdMeasures Population() =>
        HouseholdPopulation.Of((IReadOnlyCollection<EligibilityEvent>?)_eligibilityOrNull ?? [], (IEnumerable<Checkup>?)_checkupsOrNull?.Values ?? []);

    private void HoldJudoClaim(JudoClaim claim, KpiRollup kpis)
    {
        var key = (claim.ProviderCode, claim.BillingMonth.Value, claim.ClaimNo);
        if (_judoClaims.TryGetValue(key, out var earlier)) kpis.Add(KpiRollup.KeyOf(earlier), -KpiRollup.CountersOf(earlier));
        _judoClaims[key] = claim;
        kpis.Add(KpiRollup.KeyOf(claim), KpiRollup.CountersOf(claim));
    }

    private static readonly IReadOnlyList<YearMonth> Everything = [new YearMonth(0)];

    /// <summary>
    /// The service months a record touches. Eligibility and 傷病届 can change who a person is or any month's findings,
    /// so they touch everything (<see cref="Everything"/>); a record that changes nothing touches nothing.
    /// </summary>
    private List<YearMonth> ChangedMonths(LogRecord record)
    {
        var months = new List<YearMonth>();
        void MonthHeld(ReceiptKey key) { if (HeldAt(key) is { } h) months.Add(h.Cell.ServiceMonth); }
        switch (record)
        {
            case ReceiptArrived r: months.Add(r.Receipt.ServiceMonth); MonthHeld(r.Receipt.Key); break;
            case ReceiptWithdrawn w:
                MonthHeld(w.Key);
                if (_judoClaims.TryGetValue((w.Key.ProviderCode, w.Key.BillingMonth.Value, w.Key.ReceiptNo), out var withdrawnJudo)) months.Add(withdrawnJudo.ServiceMonth);
                break;
            case DecisionArrived d: MonthHeld(d.Decision.Receipt); break;
            case JudoClaimArrived j:
                months.Add(j.Claim.ServiceMonth);
                if (_judoClaims.TryGetValue((j.Claim.ProviderCode, j.Claim.BillingMonth.Value, j.Claim.ClaimNo), out var earlier)) months.Add(earlier.ServiceMonth);
                break;
            case CareClaimArrived c: months.Add(c.Held.Claim.ServiceMonth); break;
            case CareClaimWithdrawn w: if (_careClaimsOrNull?.ContainsKey(w.Key) == true) months.Add(w.ServiceMonth); break;
            case CheckupArrived c: months.Add(new YearMonth(c.Checkup.ExamDate / 100)); break;
            default: return [.. Everything];
        }
        return months;
    }

    private void HoldReceipt(ReceiptArrived arrived, KpiRollup kpis, ReferenceMasters masters)
    {
        var receipt = arrived.Receipt;
        if (receipt.Card != Card)
            throw new ArgumentException($"receipt {receipt.Key} belongs to {receipt.Card}, not {Card}", nameof(arrived));
        // A receipt under a key already held replaces it (再請求): its contribution leaves before the new one enters.
        Withdraw(receipt.Key, kpis);
        Hold(receipt, arrived.Held ?? GrainCodec.EncodeReceipt(receipt), kpis, masters);
    }

    private void Hold(Receipt receipt, byte[] encoded, KpiRollup? kpis, ReferenceMasters masters)
    {
        var held = new Held(receipt.Key, KpiRollup.KeyOf(receipt), KpiRollup.CountersOf(receipt, DecisionsOn(receipt.Key), masters), encoded);
        var at = IndexOf(receipt.Key);
        if (at >= 0) _receipts[at] = held;
        else SortedArray.Insert(ref _receipts, ~at, held);
        kpis?.Add(held.Cell, held.Contribution);
    }

    private ReceiptDecisions DecisionsOn(ReceiptKey key) => _decisionsOrNull?.GetValueOrDefault(key) ?? ReceiptDecisions.None;

    /// <summary>A 査定, 返戻, 原審 or 復活: the receipt's contribution is recounted under its decisions.</summary>
    private void Decide(ReviewDecision decision, KpiRollup kpis, ReferenceMasters masters)
    {
        var decisions = _decisions.TryGetValue(decision.Receipt, out var d) ? d : _decisions[decision.Receipt] = new ReceiptDecisions();
        if (!decisions.Add(decision) || HeldAt(decision.Receipt) is not { } held) return;
        kpis.Add(held.Cell, -held.Contribution);
        Hold(held.Receipt, held.Encoded, kpis, masters);
    }

    private void Withdraw(ReceiptKey key, KpiRollup kpis)
    {
        var at = IndexOf(key);
        if (at < 0) return;
        var earlier = _receipts[at];
        SortedArray.RemoveAt(ref _receipts, at);
        kpis.Add(earlier.Cell, -earlier.Contribution);
    }

    /// <summary>The household's records as the checks read them (a 返戻 receipt is out of the review until resubmitted).</summary>
    public HouseholdFacts Facts() => AllFacts(new Receipt?[_receipts.Length]);

    private HouseholdFacts AllFacts(Receipt?[] decoded) => Facts(new YearMonth(0), new YearMonth(999912), decoded, out _);

    /// <summary>
    /// The facts with receipts, 柔整 and care claims of service months <paramref name="from"/> … <paramref name="to"/>
    /// only; <paramref name="everyMonth"/> says whether that left none out (the facts are then <see cref="AllFacts"/>'s).
    /// <paramref name="decoded"/> (one slot per held receipt) keeps the receipts decoded for one review, which reads
    /// the household twice (the checks' months, then every month for 高額療養費).
    /// </summary>
    private HouseholdFacts Facts(YearMonth from, YearMonth to, Receipt?[] decoded, out bool everyMonth)
    {
        bool InRange(YearMonth m) => m >= from && m <= to;
        var receipts = new List<Receipt>(_receipts.Length);
        everyMonth = true;
        for (var i = 0; i < _receipts.Length; i++)
        {
            var h = _receipts[i];
            if (!InRange(h.Cell.ServiceMonth)) everyMonth = false;
            else if (!DecisionsOn(h.Key).Returned) receipts.Add(decoded[i] ??= h.Receipt);
        }
        // Read through the …OrNull fields: a review must not give every household the parts it does not have.
        List<JudoClaim> judo = _judoClaimsOrNull is not { Count: > 0 } held ? [] : held.Values.Where(j => InRange(j.ServiceMonth)).ToList();
        List<CareClaimHeld> care = _careClaimsOrNull is not { Count: > 0 } claims ? [] : claims.Values.Where(c => InRange(c.Claim.ServiceMonth)).ToList();
        everyMonth &= judo.Count == (_judoClaimsOrNull?.Count ?? 0) && care.Count == (_careClaimsOrNull?.Count ?? 0);
        return new(Card, receipts,
            ListOf(_eligibilityOrNull), ListOf(_checkupsOrNull?.Values), ListOf(_thirdPartyReportsOrNull?.Values), judo, care,
            _decisionsOrNull is not { Count: > 0 } decisions ? null : decisions.Where(d => d.Value.PointsCut > 0).ToDictionary(d => d.Key, d => d.Value.PointsCut));
    }

    /// <summary>Re-runs the whole catalogue and 高額療養費 over the household: what a fired timer or a rule change calls.</summary>
    public void Review(ShardPartials partials, ReviewContext context) => Review(partials, context, Everything, arrived: null);

    /// <summary>
    /// Re-runs the catalogue for the findings of the months a change can reach (each changed month m up to
    /// m + the rules' window), reading records from m − window on, and 高額療養費 over every month (a change moves the
    /// 多数回 of all later months); then moves the shard's partials from what this household contributed there before
    /// to what it contributes now. A finding of month m depends only on records of m − window … m, so this gives the
    /// same findings as re-running everything (a property test holds it to that), at a cost that does not grow with
    /// the household's history.
    /// </summary>
    private void Review(ShardPartials partials, ReviewContext context, IReadOnlyList<YearMonth> changed, Receipt? arrived)
    {
        var window = context.Rules.ReviewWindowMonths;
        var everything = changed.Contains(Everything[0]);
        var from = everything ? new YearMonth(0) : changed.Min();
        var to = everything ? new YearMonth(999912) : changed.Max().AddMonths(window);
        bool InScope(YearMonth m) => m >= from && m <= to;
        // The receipt that just arrived is held as it decodes (its bytes are its encoding without a source line): no
        // need to decode it again.
        var decoded = new Receipt?[_receipts.Length];
        if (arrived is not null && IndexOf(arrived.Key) is var at and >= 0)
            decoded[at] = arrived.SourceLine == 0 ? arrived : arrived with { SourceLine = 0 };
        var read = Facts(everything ? new YearMonth(0) : from.AddMonths(-window), to, decoded, out var everyMonth);
        var result = ReviewEngine.Evaluate(read, context);
        // The household's totals (ReviewTotals) are taken back just before the first change and added again after the
        // last: most reviews change nothing, and then neither is counted.
        var changing = false;
        void Changing()
        {
            if (changing) return;
            changing = true;
            AddTotals(partials, -1);
        }

        // Closing a finding replaces it where it is, so the array can be walked as it changes.
        for (var i = 0; i < _findings.Length; i++)
        {
            var finding = _findings[i];
            var id = finding.Id;
            if (finding.State != FindingState.Open || !InScope(finding.ServiceMonth) || result.Found.ContainsKey(id)) continue;
            var stillBilled = finding.Receipts.All(k => IndexOf(k) >= 0 && !DecisionsOn(k).Returned);
            var closed = finding with { State = stillBilled ? FindingState.Resolved : FindingState.Withdrawn };
            Changing();
            Count(partials, finding, -1);
            _findings[i] = closed;
            partials.SetFinding(closed);
        }
        foreach (var (id, finding) in result.Found)
        {
            if (!InScope(finding.ServiceMonth)) continue;
            var open = FindingOf(id) is { State: FindingState.Open } o ? o : null;
            if (open == finding) continue;
            Changing();
            if (open is not null) Count(partials, open, -1);
            SetFinding(finding);
            partials.SetFinding(finding);
            Count(partials, finding, +1);
        }

        var stale = _measuresOrNull?.Where(m => InScope(m.Key.Month)).ToList() ?? [];
        var fresh = result.Measures.Where(m => InScope(m.Key.Month)).ToList();
        HouseholdMeasures.Move(partials.Measures, Card.InsurerNo, stale, fresh);
        foreach (var (key, _) in stale) _measures.Remove(key);
        foreach (var (key, n) in fresh) _measures[key] = n;

        // 高額療養費 reads every month: the checks' facts serve when their months hold everything (most households). Only
        // the months whose row changed are set or removed (each is a row the next checkpoint writes).
        var rows = HouseholdHighCost.Compute(everyMonth ? read : AllFacts(decoded));
        if (_highCostOrNull is { } earlier)
            foreach (var month in earlier.Keys.Where(m => !rows.Any(r => r.Month == m)).ToList())
            {
                Changing();
                earlier.Remove(month);
                partials.RemoveHighCost(Card.Key, month);
            }
        foreach (var row in rows)
        {
            if (_highCostOrNull?.GetValueOrDefault(row.Month) == row) continue;
            Changing();
            _highCost[row.Month] = row;
            partials.SetHighCost(row);
        }

        if (changing) AddTotals(partials, +1);

        var dueBefore = NextDue;
        _duesOrNull?.RemoveWhere(InScope);
        foreach (var month in result.Dues)
            if (InScope(month)) _dues.Add(month);
        if (NextDue == dueBefore) return;
        if (dueBefore is { } before) partials.RemoveTimer(before.Value, Card.Key);
        if (NextDue is { } due) partials.AddTimer(due.Value, Card.Key);
    }

    // Read through the …OrNull field: most households have no 高額療養費 rows, and asking must not give them a dictionary.
    private void AddTotals(ShardPartials partials, int sign)
    {
        if (_findings.Length == 0 && _highCostOrNull is not { Count: > 0 }) return;
        ReviewTotals.AddTo(partials.Measures, sign, OpenFindings, _highCostOrNull?.Values ?? (IEnumerable<HighCostRow>)[]);
    }

    // Open findings count in the KPI cell of their month, insurer and provider (findings per 1,000 receipts, yen at stake).
    private static void Count(ShardPartials partials, Finding finding, int sign) =>
        partials.Kpis.Add(KpiRollup.KeyOf(finding), sign == 1 ? KpiRollup.CountersOf(finding) : -KpiRollup.CountersOf(finding));

    // Every checkpoint snapshots every changed household, most of them holding a receipt or two and nothing else:
    // empty parts cost nothing, and _receipts is already in ReceiptKeyOrder (no sort).
    public HouseholdSnapshot ToSnapshot() =>
        new(Card,
            _receipts.Select(h => h.Encoded).ToList(),
            _findings.Length == 0 ? [] : _findings.ToList(),
            ListOf(_eligibilityOrNull),
            ListOf(_checkupsOrNull?.Values),
            ListOf(_thirdPartyReportsOrNull?.Values),
            ListOf(_judoClaimsOrNull?.Values),
            ListOf(_careClaimsOrNull?.Values),
            ListOf(_highCostOrNull?.Values),
            ListOf(_duesOrNull))
        {
            Measures = _measuresOrNull is not { Count: > 0 } measures ? []
                : measures.Select(m => new MeasureCount(m.Key.Measure, m.Key.Provider, m.Key.Month, m.Value)).ToList(),
            Decisions = _decisionsOrNull is not { Count: > 0 } decisions ? [] : decisions.OrderBy(d => d.Key, ReceiptKeyOrder.Instance)
                .SelectMany(d => d.Value.All.Select(x => new ReviewDecision(d.Key, x.Kind, x.Cut, 0))).ToList(),
        };

    private static IReadOnlyList<T> ListOf<T>(IReadOnlyCollection<T>? items) => items is not { Count: > 0 } ? [] : items.ToList();

    /// <summary>
    /// A grain back from its snapshot. Its contributions are already in the shard's partials (snapshotted with it);
    /// its receipts' are recounted with <paramref name="masters"/>, which must be the masters they were counted with.
    /// </summary>
    public static HouseholdGrain FromSnapshot(HouseholdSnapshot snapshot, ReferenceMasters masters)
    {
        var grain = new HouseholdGrain(snapshot.Card);
        foreach (var m in snapshot.Measures) grain._measures[(m.Measure, m.Provider, m.Month)] = m.Count;
        if (snapshot.Dues.Count > 0) grain._dues.UnionWith(snapshot.Dues);
        foreach (var f in snapshot.Findings) grain.SetFinding(f);
        foreach (var d in snapshot.Decisions)
            (grain._decisions.TryGetValue(d.Receipt, out var set) ? set : grain._decisions[d.Receipt] = new ReceiptDecisions()).Add(d);
        foreach (var encoded in snapshot.Receipts) grain.Hold(GrainCodec.DecodeReceipt(encoded), encoded, null, masters);
        foreach (var e in snapshot.Eligibility) grain._eligibility.Add(e);
        foreach (var c in snapshot.Checkups) grain._checkups[(c.Branch, c.ExamDate)] = c;
        foreach (var t in snapshot.ThirdPartyReports) grain._thirdPartyReports[(t.Branch, t.ReportDate, t.Cause)] = t;
        foreach (var j in snapshot.JudoClaims) grain._judoClaims[(j.ProviderCode, j.BillingMonth.Value, j.ClaimNo)] = j;
        foreach (var c in snapshot.CareClaims) grain._careClaims[c.Key] = c;
        foreach (var h in snapshot.HighCost) grain._highCost[h.Month] = h;
        return grain;
    }
}

/// <summary>The persisted form of a <see cref="HouseholdGrain"/>, in a canonical order so equal states serialise equally.
/// Receipts are in their <see cref="GrainCodec.EncodeReceipt"/> form.</summary>
public sealed record HouseholdSnapshot(
    HouseholdCard Card,
    IReadOnlyList<byte[]> Receipts,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<EligibilityEvent> Eligibility,
    IReadOnlyList<Checkup> Checkups,
    IReadOnlyList<ThirdPartyReport> ThirdPartyReports,
    IReadOnlyList<JudoClaim> JudoClaims,
    IReadOnlyList<CareClaimHeld> CareClaims,
    IReadOnlyList<HighCostRow> HighCost,
    IReadOnlyList<YearMonth> Dues)
{
    public IReadOnlyList<ReviewDecision> Decisions { get; init; } = [];
    public IReadOnlyList<MeasureCount> Measures { get; init; } = [];
}

/// <summary>One of a household's review measures, as its snapshot holds it.</summary>
public sealed record MeasureCount(Measure Measure, string Provider, YearMonth Month, long Count);

/// <summary>A total order on eligibility rows that ignores where they came from (the source line).</summary>
internal sealed class EligibilityOrder : IComparer<EligibilityEvent>
{
    public static readonly EligibilityOrder Instance = new();

    public int Compare(EligibilityEvent? x, EligibilityEvent? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int c;
        if ((c = string.CompareOrdinal(x.Card.Key, y.Card.Key)) != 0) return c;
        if ((c = string.CompareOrdinal(x.Branch, y.Branch)) != 0) return c;
        if ((c = x.ValidFrom.CompareTo(y.ValidFrom)) != 0) return c;
        if ((c = x.Kind.CompareTo(y.Kind)) != 0) return c;
        if ((c = (x.ValidTo ?? int.MaxValue).CompareTo(y.ValidTo ?? int.MaxValue)) != 0) return c;
        if ((c = string.CompareOrdinal(x.PersonId, y.PersonId)) != 0) return c;
        if ((c = string.CompareOrdinal(x.HouseholdId, y.HouseholdId)) != 0) return c;
        if ((c = x.BurdenPct.CompareTo(y.BurdenPct)) != 0) return c;
        if ((c = string.CompareOrdinal(x.IncomeClass, y.IncomeClass)) != 0) return c;
        if ((c = x.System.CompareTo(y.System)) != 0) return c;
        if ((c = x.BirthDate.CompareTo(y.BirthDate)) != 0) return c;
        return x.Sex.CompareTo(y.Sex);
    }
}
