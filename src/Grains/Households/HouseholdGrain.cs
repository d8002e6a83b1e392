using Shinsa.Grains.Findings;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Households;

/// <summary>
/// A household (世帯) keyed by its card: its members' eligibility, its receipts by key, and the findings on them.
/// All state changes come through <see cref="Apply"/>; the grain has no clock, no randomness and no I/O, so
/// applying the same records from a snapshot reproduces the same state and the same rollup deltas.
/// </summary>
public sealed class HouseholdGrain
{
    /// <summary>
    /// A receipt as the grain holds it: encoded (one array instead of dozens of objects, which keeps a large resident
    /// set cheap for the GC, and is written to the snapshot as is) with the KPI contribution it made, so replacing it
    /// takes back exactly that.
    /// </summary>
    private sealed record Held(KpiKey Cell, KpiCounters Contribution, byte[] Encoded);

    private readonly Dictionary<ReceiptKey, Held> _receipts = new();
    private readonly Dictionary<string, Finding> _findings = new();
    // Kept as a set so a row delivered twice (a retried eligibility file) is a no-op.
    private readonly SortedSet<EligibilityEvent> _eligibility = new(EligibilityOrder.Instance);
    // A later result for the same person and exam date is a correction: it replaces the earlier one.
    private readonly SortedDictionary<(string Branch, int ExamDate), Checkup> _checkups = new();
    private readonly SortedDictionary<(string Branch, int ReportDate, string Cause), ThirdPartyReport> _thirdPartyReports = new();
    private readonly SortedDictionary<(string Provider, int BillingMonth, int ClaimNo), JudoClaim> _judoClaims = new();

    public HouseholdGrain(HouseholdCard card) => Card = card;

    public HouseholdCard Card { get; }
    public int ReceiptCount => _receipts.Count;
    public IEnumerable<Receipt> Receipts => _receipts.Values.Select(h => GrainCodec.DecodeReceipt(h.Encoded));
    public IEnumerable<Finding> Findings => _findings.Values;
    public IEnumerable<EligibilityEvent> Eligibility => _eligibility;
    public IEnumerable<Checkup> Checkups => _checkups.Values;
    public IEnumerable<ThirdPartyReport> ThirdPartyReports => _thirdPartyReports.Values;
    public IEnumerable<JudoClaim> JudoClaims => _judoClaims.Values;

    public void Apply(LogRecord record, KpiRollup rollup)
    {
        switch (record)
        {
            case ReceiptArrived r: ApplyReceipt(r.Receipt, rollup); break;
            case EligibilityArrived e: _eligibility.Add(e.Event); break;
            case CheckupArrived c: _checkups[(c.Checkup.Branch, c.Checkup.ExamDate)] = c.Checkup with { SourceLine = 0 }; break;
            case ThirdPartyReportArrived t: _thirdPartyReports[(t.Report.Branch, t.Report.ReportDate, t.Report.Cause)] = t.Report with { SourceLine = 0 }; break;
            case JudoClaimArrived j: _judoClaims[(j.Claim.ProviderCode, j.Claim.BillingMonth.Value, j.Claim.ClaimNo)] = j.Claim with { SourceLine = 0 }; break;
            default: throw new ArgumentException($"unknown record {record.GetType().Name}", nameof(record));
        }
    }

    private void ApplyReceipt(Receipt receipt, KpiRollup rollup)
    {
        if (receipt.Card != Card)
            throw new ArgumentException($"receipt {receipt.Key} belongs to {receipt.Card}, not {Card}", nameof(receipt));

        // A receipt under a key already held replaces it (再請求): its contribution leaves before the new one enters.
        if (_receipts.Remove(receipt.Key, out var earlier))
        {
            _findings.Remove(TotalCheck.FindingId(receipt.Key));
            rollup.Add(earlier.Cell, -earlier.Contribution);
        }

        var finding = TotalCheck.Evaluate(receipt);
        if (finding is not null) _findings[finding.Id] = finding;
        Hold(receipt, GrainCodec.EncodeReceipt(receipt), finding, rollup);
    }

    private void Hold(Receipt receipt, byte[] encoded, Finding? finding, KpiRollup? rollup)
    {
        var held = new Held(KpiRollup.KeyOf(receipt), Contribution(receipt, finding), encoded);
        _receipts[receipt.Key] = held;
        rollup?.Add(held.Cell, held.Contribution);
    }

    private static KpiCounters Contribution(Receipt receipt, Finding? finding) =>
        KpiRollup.CountersOf(receipt) with
        {
            Findings = finding is null ? 0 : 1,
            FindingYen = finding?.YenAtStake ?? 0,
        };

    public HouseholdSnapshot ToSnapshot() =>
        new(Card,
            _receipts.OrderBy(r => r.Key.ProviderCode, StringComparer.Ordinal)
                .ThenBy(r => r.Key.BillingMonth).ThenBy(r => r.Key.ReceiptNo).Select(r => r.Value.Encoded).ToList(),
            _findings.Values.OrderBy(f => f.Id, StringComparer.Ordinal).ToList(),
            _eligibility.ToList(),
            _checkups.Values.ToList(),
            _thirdPartyReports.Values.ToList(),
            _judoClaims.Values.ToList());

    public static HouseholdGrain FromSnapshot(HouseholdSnapshot snapshot)
    {
        var grain = new HouseholdGrain(snapshot.Card);
        foreach (var f in snapshot.Findings) grain._findings[f.Id] = f;
        foreach (var encoded in snapshot.Receipts)
        {
            var receipt = GrainCodec.DecodeReceipt(encoded);
            grain.Hold(receipt, encoded, grain._findings.GetValueOrDefault(TotalCheck.FindingId(receipt.Key)), null);
        }
        foreach (var e in snapshot.Eligibility) grain._eligibility.Add(e);
        foreach (var c in snapshot.Checkups) grain._checkups[(c.Branch, c.ExamDate)] = c;
        foreach (var t in snapshot.ThirdPartyReports) grain._thirdPartyReports[(t.Branch, t.ReportDate, t.Cause)] = t;
        foreach (var j in snapshot.JudoClaims) grain._judoClaims[(j.ProviderCode, j.BillingMonth.Value, j.ClaimNo)] = j;
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
    IReadOnlyList<JudoClaim> JudoClaims);

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
