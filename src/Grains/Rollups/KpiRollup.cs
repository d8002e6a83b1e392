using Shinsa.Grains.Records;

namespace Shinsa.Grains.Rollups;

/// <summary>The cell a receipt's KPIs are counted in: 診療年月 × 請求年月 × 保険者 × 医療機関.</summary>
public readonly record struct KpiKey(YearMonth ServiceMonth, YearMonth BillingMonth, string InsurerNo, string ProviderCode);

/// <summary>
/// 件数, 日数, 点数, 費用額 (after 査定, without 返戻 receipts), the open findings, and the review decisions counted in one
/// cell: 査定件数 and 査定点数 (the points cut), 返戻件数. 査定率 = Assessed / Receipts (and AssessedPoints /
/// (Points + AssessedPoints)); 返戻率 = Returned / (Receipts + Returned).
/// </summary>
public record struct KpiCounters(long Receipts, long Days, long Points, long CostYen, long Findings, long FindingYen,
    long Assessed = 0, long AssessedPoints = 0, long Returned = 0)
{
    public static KpiCounters operator +(KpiCounters a, KpiCounters b) =>
        new(a.Receipts + b.Receipts, a.Days + b.Days, a.Points + b.Points, a.CostYen + b.CostYen,
            a.Findings + b.Findings, a.FindingYen + b.FindingYen, a.Assessed + b.Assessed, a.AssessedPoints + b.AssessedPoints, a.Returned + b.Returned);

    public static KpiCounters operator -(KpiCounters a) =>
        new(-a.Receipts, -a.Days, -a.Points, -a.CostYen, -a.Findings, -a.FindingYen, -a.Assessed, -a.AssessedPoints, -a.Returned);

    public bool IsZero => this == default;
}

/// <summary>
/// One shard's partial KPI rollup. Grains add and subtract contributions (a replaced receipt is subtracted
/// before its replacement is added), so the partial is a pure function of the shard's applied records; it is
/// snapshotted with the shard's log position, and the insurer, provider and prefecture views are sums of the
/// shards' partials.
/// </summary>
public sealed class KpiRollup
{
    private readonly Dictionary<KpiKey, KpiCounters> _cells = new();

    public int CellCount => _cells.Count;

    public void Add(KpiKey key, KpiCounters delta)
    {
        if (delta.IsZero) return;
        ref var cell = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_cells, key, out _);
        cell += delta;
        if (cell.IsZero) _cells.Remove(key);
    }

    public static KpiKey KeyOf(Receipt receipt) =>
        new(receipt.ServiceMonth, receipt.Key.BillingMonth, receipt.Card.InsurerNo, receipt.Key.ProviderCode);

    public static KpiCounters CountersOf(Receipt receipt) =>
        new(1, receipt.Days, receipt.DeclaredPoints, receipt.CostYen, 0, 0);

    /// <summary>A receipt's counters after its review decisions: 返戻 counts it as returned only; a 査定 cut lowers its points.</summary>
    public static KpiCounters CountersOf(Receipt receipt, ReceiptDecisions decisions)
    {
        if (decisions.Returned) return new KpiCounters(0, 0, 0, 0, 0, 0, Returned: 1);
        var cut = decisions.PointsCut;
        return new KpiCounters(1, receipt.Days, receipt.DeclaredPoints - cut, (receipt.DeclaredPoints - cut) * 10L, 0, 0,
            Assessed: cut > 0 ? 1 : 0, AssessedPoints: cut);
    }

    /// <summary>Adds the cells that match <paramref name="filter"/> into <paramref name="total"/>.</summary>
    public void SumInto(Func<KpiKey, bool> filter, ref KpiCounters total)
    {
        foreach (var (key, counters) in _cells)
            if (filter(key)) total += counters;
    }

    public IReadOnlyList<KeyValuePair<KpiKey, KpiCounters>> Cells() => _cells.ToList();

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
