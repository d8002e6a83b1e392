using Shinsa.Grains.Findings;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Rollups;

/// <summary>The cell a receipt's KPIs are counted in: 診療年月 × 請求年月 × 保険者 × 医療機関.</summary>
public readonly record struct KpiKey(YearMonth ServiceMonth, YearMonth BillingMonth, string InsurerNo, string ProviderCode);

/// <summary>
/// 件数, 日数, 点数, 費用額 (after 査定, without 返戻 receipts), the open findings, and the review decisions counted in one
/// cell: 査定件数 and 査定点数 (the points cut), 返戻件数. 査定率 = Assessed / Receipts (and AssessedPoints /
/// (Points + AssessedPoints)); 返戻率 = Returned / (Receipts + Returned).
/// The rest are the numerators and denominators of the catalogue's claim-level rates: <see cref="VisitReceipts"/>
/// (医科 and 歯科 receipts, the 件数 of 受診率: a 調剤 or 訪問看護 receipt follows a visit, it is not one), drug
/// quantities for 後発医薬品使用割合 (in thousandths of the drug's unit, the 数量 × 回数 of every IY line), and the
/// 柔整 claims with their patterns (部位数 ≥ 3, 施術日数 ≥ 15, both; DOMAIN.md's KPI thresholds, not the JUDO rule's).
/// </summary>
public record struct KpiCounters(long Receipts, long Days, long Points, long CostYen, long Findings, long FindingYen,
    long Assessed = 0, long AssessedPoints = 0, long Returned = 0,
    long VisitReceipts = 0, long GenericQty = 0, long GenericBaseQty = 0,
    long JudoClaims = 0, long JudoDays = 0, long JudoCostYen = 0, long JudoParts3 = 0, long JudoDays15 = 0, long JudoParts3Days15 = 0)
    : System.Numerics.IAdditionOperators<KpiCounters, KpiCounters, KpiCounters>
{
    public static KpiCounters operator +(KpiCounters a, KpiCounters b) =>
        new(a.Receipts + b.Receipts, a.Days + b.Days, a.Points + b.Points, a.CostYen + b.CostYen,
            a.Findings + b.Findings, a.FindingYen + b.FindingYen, a.Assessed + b.Assessed, a.AssessedPoints + b.AssessedPoints, a.Returned + b.Returned,
            a.VisitReceipts + b.VisitReceipts, a.GenericQty + b.GenericQty, a.GenericBaseQty + b.GenericBaseQty,
            a.JudoClaims + b.JudoClaims, a.JudoDays + b.JudoDays, a.JudoCostYen + b.JudoCostYen,
            a.JudoParts3 + b.JudoParts3, a.JudoDays15 + b.JudoDays15, a.JudoParts3Days15 + b.JudoParts3Days15);

    public static KpiCounters operator -(KpiCounters a) => default(KpiCounters) - a;

    public static KpiCounters operator -(KpiCounters a, KpiCounters b) =>
        new(a.Receipts - b.Receipts, a.Days - b.Days, a.Points - b.Points, a.CostYen - b.CostYen,
            a.Findings - b.Findings, a.FindingYen - b.FindingYen, a.Assessed - b.Assessed, a.AssessedPoints - b.AssessedPoints, a.Returned - b.Returned,
            a.VisitReceipts - b.VisitReceipts, a.GenericQty - b.GenericQty, a.GenericBaseQty - b.GenericBaseQty,
            a.JudoClaims - b.JudoClaims, a.JudoDays - b.JudoDays, a.JudoCostYen - b.JudoCostYen,
            a.JudoParts3 - b.JudoParts3, a.JudoDays15 - b.JudoDays15, a.JudoParts3Days15 - b.JudoParts3Days15);

    public bool IsZero => this == default;

    /// <summary>The counters in declaration order, as the store keeps a cell's values (it adds them column by column).</summary>
    public long[] ToValues() =>
    [
        Receipts, Days, Points, CostYen, Findings, FindingYen, Assessed, AssessedPoints, Returned,
        VisitReceipts, GenericQty, GenericBaseQty, JudoClaims, JudoDays, JudoCostYen, JudoParts3, JudoDays15, JudoParts3Days15,
    ];

    /// <summary>Counters from <see cref="ToValues"/>'s order; missing trailing values are zero.</summary>
    public static KpiCounters FromValues(ReadOnlySpan<long> values)
    {
        Span<long> v = stackalloc long[18];
        values[..Math.Min(values.Length, v.Length)].CopyTo(v);
        return new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
            v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17]);
    }
}

/// <summary>
/// KPI cells. Grains add and subtract contributions (a replaced receipt is subtracted before its replacement is added),
/// so a shard's changes since its last checkpoint are a pure function of its records applied since; a checkpoint adds
/// them to the stored totals (every shard's, summed) with the shard's log position, and the insurer, provider and
/// prefecture views are sums of those totals and the shards' changes since.
/// </summary>
public sealed class KpiRollup : CellRollup<KpiKey, KpiCounters>
{
    public static KpiKey KeyOf(Receipt receipt) =>
        new(receipt.ServiceMonth, receipt.Key.BillingMonth, receipt.Card.InsurerNo, receipt.Key.ProviderCode);

    /// <summary>
    /// An open finding counts in the cell of its 診療年月, its 請求年月 (<see cref="Finding.BillingMonth"/>: the latest of
    /// its receipts', as the worklist and the per-check figures), its insurer and provider.
    /// </summary>
    public static KpiKey KeyOf(Finding finding) =>
        new(finding.ServiceMonth, finding.BillingMonth, finding.Card.InsurerNo, finding.ProviderCode);

    /// <summary>An open finding's counters: one finding and its yen at stake.</summary>
    public static KpiCounters CountersOf(Finding finding) => new(0, 0, 0, 0, 1, finding.YenAtStake);

    /// <summary>A 柔整 claim counts in the cell of its 施術所 (the provider code), with its 施術年月 and 請求年月.</summary>
    public static KpiKey KeyOf(JudoClaim claim) =>
        new(claim.ServiceMonth, claim.BillingMonth, claim.Card.InsurerNo, claim.ProviderCode);

    /// <summary>
    /// A receipt's counters after its review decisions: 返戻 counts it as returned only; a 査定 cut lowers its points.
    /// The drug quantities need the 医薬品 master (which drugs are generics, which brands have one).
    /// </summary>
    public static KpiCounters CountersOf(Receipt receipt, ReceiptDecisions decisions, ReferenceMasters masters)
    {
        if (decisions.Returned) return new KpiCounters(0, 0, 0, 0, 0, 0, Returned: 1);
        var cut = decisions.PointsCut;
        long generic = 0, genericBase = 0;
        foreach (var line in receipt.Lines)
        {
            if (line.Kind != LineKind.Drug) continue;
            var isGeneric = masters.Drug(line.Code)?.IsGeneric == true;
            if (!isGeneric && !masters.IsBrandWithGeneric(line.Code)) continue;
            // 数量 is absent on a few IY lines (e.g. an injection counted by 回数 alone): one unit each time.
            var thousandths = (long)Math.Round((line.Quantity ?? 1m) * line.Times * 1000m, MidpointRounding.AwayFromZero);
            genericBase += thousandths;
            if (isGeneric) generic += thousandths;
        }
        return new KpiCounters(1, receipt.Days, receipt.DeclaredPoints - cut, (receipt.DeclaredPoints - cut) * 10L, 0, 0,
            Assessed: cut > 0 ? 1 : 0, AssessedPoints: cut,
            VisitReceipts: receipt.Kind is ClaimKind.Medical or ClaimKind.Dental ? 1 : 0, GenericQty: generic, GenericBaseQty: genericBase);
    }

    /// <summary>A 柔整 claim's counters: it is not a receipt, so it counts in the 柔整 columns only.</summary>
    public static KpiCounters CountersOf(JudoClaim claim)
    {
        var days = claim.TreatmentDays;
        bool parts3 = claim.Parts >= 3, days15 = days >= 15;
        return new KpiCounters(0, 0, 0, 0, 0, 0, JudoClaims: 1, JudoDays: days, JudoCostYen: claim.CostYen,
            JudoParts3: parts3 ? 1 : 0, JudoDays15: days15 ? 1 : 0, JudoParts3Days15: parts3 && days15 ? 1 : 0);
    }

    protected override YearMonth MonthOf(KpiKey key) => key.ServiceMonth;

    protected override YearMonth BilledOf(KpiKey key) => key.BillingMonth;

    /// <summary>The sum of the cells in <paramref name="months"/> that match <paramref name="filter"/>.</summary>
    public KpiCounters Sum(Months months, Func<KpiKey, bool> filter) => Sum(0, months, filter);

    /// <summary>Adds the cells in <paramref name="months"/> that match <paramref name="filter"/> into <paramref name="totals"/>, by <paramref name="groupOf"/>.</summary>
    public void SumInto<TGroup>(Months months, Func<KpiKey, bool> filter, Func<KpiKey, TGroup> groupOf, Dictionary<TGroup, KpiCounters> totals)
        where TGroup : notnull => SumInto(0, months, filter, groupOf, totals);

    public static KpiRollup FromCells(IEnumerable<KeyValuePair<KpiKey, KpiCounters>> cells)
    {
        var rollup = new KpiRollup();
        foreach (var (key, counters) in cells) rollup.Add(key, counters);
        return rollup;
    }
}

/// <summary>
/// Which cells a KPI view sums: a service month, optionally narrowed to one insurer (the InsurerGrain's view) and/or
/// one provider (the ProviderGrain's view). Insurer and provider views are not stored apart: they are the sum of the
/// shards' partials over their scope, so they are exact whenever the partials are.
/// </summary>
public sealed record KpiScope(YearMonth ServiceMonth, string? InsurerNo = null, string? ProviderCode = null)
{
    public bool Contains(KpiKey key) =>
        key.ServiceMonth == ServiceMonth
        && (InsurerNo is null || key.InsurerNo == InsurerNo)
        && (ProviderCode is null || key.ProviderCode == ProviderCode);
}
