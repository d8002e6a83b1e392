using Shinsa.Grains.Records;

namespace Shinsa.Grains.HighCost;

/// <summary>
/// A monthly cap (自己負担限度額): <see cref="Base"/> + (cost − <see cref="Threshold"/>) × 1% when the cost is above the
/// threshold (a threshold of 0 means a flat cap), or <see cref="Tasuu"/> from the 4th time within 12 months (多数回).
/// </summary>
public sealed record CapFormula(long Base, long Threshold, long? Tasuu)
{
    public static CapFormula Flat(long cap, long? tasuu) => new(cap, 0, tasuu);

    public long Cap(long costYen, bool tasuu)
    {
        if (tasuu && Tasuu is { } reduced) return reduced;
        if (Threshold == 0 || costYen <= Threshold) return Base;
        // The 1% term is rounded to the yen, half up (1円未満四捨五入).
        return Base + (costYen - Threshold + 50) / 100;
    }
}

/// <summary>The caps of a 70-and-over income class: 外来 per person (none for 現役並み), and the household's.</summary>
public sealed record SeventyPlusCaps(long? OutpatientPerPerson, CapFormula Household, bool TasuuApplies, long? AnnualOutpatientCap);

/// <summary>
/// The 高額療養費 rules in force from <see cref="EffectiveFrom"/>: caps by income class, the 21,000-yen rule of
/// 世帯合算 for under-70 units, and the annual caps of 高額介護合算療養費. Kept as data so a revision is a new table,
/// not a code change, and months before it keep their own rules.
/// </summary>
public sealed record HighCostTable(
    YearMonth EffectiveFrom,
    IReadOnlyDictionary<string, CapFormula> UnderSeventy,
    IReadOnlyDictionary<string, SeventyPlusCaps> SeventyPlus,
    long HouseholdUnitThreshold,
    IReadOnlyDictionary<string, long> CombinedCareAnnualCaps,
    long CombinedCareMinimumYen);

public static class HighCostTables
{
    /// <summary>Rules in force from 2018-08 (DOMAIN.md).</summary>
    public static readonly HighCostTable From2018August = new(
        YearMonth.Of(2018, 8),
        new Dictionary<string, CapFormula>
        {
            ["ア"] = new(252_600, 842_000, 140_100),
            ["イ"] = new(167_400, 558_000, 93_000),
            ["ウ"] = new(80_100, 267_000, 44_400),
            ["エ"] = CapFormula.Flat(57_600, 44_400),
            ["オ"] = CapFormula.Flat(35_400, 24_600),
        },
        new Dictionary<string, SeventyPlusCaps>
        {
            ["現役並み3"] = new(null, new(252_600, 842_000, 140_100), true, null),
            ["現役並み2"] = new(null, new(167_400, 558_000, 93_000), true, null),
            ["現役並み1"] = new(null, new(80_100, 267_000, 44_400), true, null),
            ["一般"] = new(18_000, CapFormula.Flat(57_600, 44_400), true, 144_000),
            ["低所得2"] = new(8_000, CapFormula.Flat(24_600, null), false, null),
            ["低所得1"] = new(8_000, CapFormula.Flat(15_000, null), false, null),
        },
        21_000,
        new Dictionary<string, long>
        {
            ["ア"] = 2_120_000, ["イ"] = 1_410_000, ["ウ"] = 670_000, ["エ"] = 600_000, ["オ"] = 340_000,
            ["現役並み3"] = 2_120_000, ["現役並み2"] = 1_410_000, ["現役並み1"] = 670_000,
            ["一般"] = 560_000, ["低所得2"] = 310_000, ["低所得1"] = 190_000,
        },
        500);

    public static readonly IReadOnlyList<HighCostTable> All = [From2018August];

    /// <summary>The table in force in <paramref name="month"/>.</summary>
    public static HighCostTable For(YearMonth month) =>
        All.Where(t => t.EffectiveFrom <= month).MaxBy(t => t.EffectiveFrom)
        ?? throw new ArgumentOutOfRangeException(nameof(month), $"no 高額療養費 table is in force in {month} (the earliest starts {All.Min(t => t.EffectiveFrom)})");
}
