using Shinsa.Grains.Records;

namespace Shinsa.Grains.Rollups;

/// <summary>
/// What the catalogue's population and household-level rates count, besides the receipts of <see cref="KpiCounters"/>.
/// The <c>…Change</c> measures are changes, not levels: +1 in the first month a person counts, −1 in the first month
/// they no longer do, so a month's level is the running sum of the changes up to it (an open-ended eligibility row is
/// two entries, not one per month forever).
/// </summary>
public enum Measure : byte
{
    /// <summary>被保険者数: insured on at least one day of the month (受診率 and 一人当たり医療費's denominator).</summary>
    InsuredChange = 1,
    /// <summary>特定健診 対象者: insured for the whole fiscal year and 40–74 at its end; keyed by the fiscal year's March.</summary>
    CheckupTargetChange = 2,
    /// <summary>特定健診 受診者: targets of the fiscal year with a check-up in it; keyed by the fiscal year's March.</summary>
    CheckupExaminees = 3,
    /// <summary>外傷 receipts (医科・歯科 with an injury diagnosis): the denominator of the 第三者行為 届出率.</summary>
    InjuryReceipts = 4,
    /// <summary>Of those, receipts whose person has a 傷病届 on file.</summary>
    InjuryReported = 5,
    /// <summary>重症化予防: check-ups at 受診勧奨 level whose follow-up window ends in the month.</summary>
    CheckupReferrals = 6,
    /// <summary>Of those, the ones with a 医科 visit in the window.</summary>
    CheckupReferralsVisited = 7,

    // What the open findings and 高額療養費 rows add up to (ReviewTotals): the catalogue reads these cells instead of
    // walking the findings, which are kept in the store, not in memory.

    /// <summary>
    /// Open findings of a check (the key's Check) by provider, 診療年月 (Month) and 請求年月 (Billed, <see
    /// cref="Findings.Finding.BillingMonth"/>); the amount is their yen at stake. One cell per finding's place, so a
    /// new finding changes one cell, not one per view.
    /// </summary>
    OpenFindings = 8,
    /// <summary>People with an open finding of a kind (the key's Check, <see cref="Review.ReviewTotals"/>) by 診療年月; the
    /// provider is empty for "at any provider", so a person seen at two providers counts once in the insurer's figure.</summary>
    People = 9,
    /// <summary>The same by 請求年月 (the Month is the billing month).</summary>
    PeopleBilled = 10,
    /// <summary>高額療養費 支給世帯数 by service month (provider empty); the amount is the 支給額.</summary>
    HighCostHouseholds = 11,
    /// <summary>The people of those households.</summary>
    HighCostPersons = 12,
    /// <summary>Of those households, the ones at 多数回.</summary>
    HighCostTasuu = 13,
}

/// <summary>
/// One cell of measures: the provider is empty for the population measures; <see cref="Check"/> names the check or the
/// kind of person a finding measure counts, and <see cref="Billed"/> the findings' 請求年月 (both empty for the others).
/// </summary>
public readonly record struct MeasureKey(Measure Measure, string InsurerNo, string ProviderCode, YearMonth Month, string Check = "",
    YearMonth Billed = default);

/// <summary>A cell's count, and for the cells that carry one the sum of an amount over what they count (yen).</summary>
public readonly record struct MeasureValue(long Count, long Amount = 0)
    : System.Numerics.IAdditionOperators<MeasureValue, MeasureValue, MeasureValue>
{
    public static MeasureValue operator +(MeasureValue a, MeasureValue b) => new(a.Count + b.Count, a.Amount + b.Amount);

    public static MeasureValue operator *(int sign, MeasureValue v) => new(sign * v.Count, sign * v.Amount);

    public bool IsZero => this == default;

    /// <summary>Count and amount, as the store keeps a cell's values.</summary>
    public long[] ToValues() => [Count, Amount];

    public static MeasureValue FromValues(ReadOnlySpan<long> v) => new(v.Length > 0 ? v[0] : 0, v.Length > 1 ? v[1] : 0);
}

/// <summary>
/// Measure cells, moved by the households the way <see cref="KpiRollup"/> is (each takes back what it gave before giving
/// its new value), so a shard's changes are a pure function of its applied records.
/// </summary>
public sealed class MeasureRollup() : CellRollup<MeasureKey, MeasureValue>(Partitions)
{
    // A partition per measure: the catalogue sums one measure at a time, and the findings' cells (per check, provider and
    // month) far outnumber the population's.
    private static readonly int Partitions = (int)Enum.GetValues<Measure>().Max() + 1;

    protected override int PartitionOf(MeasureKey key) => (int)key.Measure;

    protected override YearMonth MonthOf(MeasureKey key) => key.Month;

    protected override YearMonth BilledOf(MeasureKey key) => key.Billed;

    public void Add(MeasureKey key, long count) => Add(key, new MeasureValue(count));

    /// <summary>The sum of <paramref name="measure"/>'s cells in <paramref name="months"/> that match <paramref name="filter"/>.</summary>
    public MeasureValue Sum(Measure measure, Months months, Func<MeasureKey, bool> filter) => Sum((int)measure, months, filter);

    /// <summary>Adds <paramref name="measure"/>'s cells in <paramref name="months"/> that match <paramref name="filter"/> into <paramref name="totals"/>, by <paramref name="groupOf"/>.</summary>
    public void SumInto<TGroup>(Measure measure, Months months, Func<MeasureKey, bool> filter, Func<MeasureKey, TGroup> groupOf,
        Dictionary<TGroup, MeasureValue> totals) where TGroup : notnull => SumInto((int)measure, months, filter, groupOf, totals);
}

/// <summary>One household's measures: (measure, provider, month) → count. The insurer is the household card's.</summary>
public sealed class HouseholdMeasures : SortedDictionary<(Measure Measure, string Provider, YearMonth Month), long>
{
    public void Add(Measure measure, string provider, YearMonth month, long n = 1)
    {
        var key = (measure, provider, month);
        var count = (TryGetValue(key, out var earlier) ? earlier : 0) + n;
        if (count == 0) Remove(key);
        else this[key] = count;
    }

    /// <summary>Moves <paramref name="rollup"/> from <paramref name="before"/> to <paramref name="after"/> for <paramref name="insurerNo"/>.</summary>
    public static void Move(MeasureRollup rollup, string insurerNo, IEnumerable<KeyValuePair<(Measure Measure, string Provider, YearMonth Month), long>> before,
        IEnumerable<KeyValuePair<(Measure Measure, string Provider, YearMonth Month), long>> after)
    {
        foreach (var (k, n) in before) rollup.Add(new MeasureKey(k.Measure, insurerNo, k.Provider, k.Month), -n);
        foreach (var (k, n) in after) rollup.Add(new MeasureKey(k.Measure, insurerNo, k.Provider, k.Month), n);
    }
}
