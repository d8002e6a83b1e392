using Shinsa.Grains.HighCost;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Tests;

/// <summary>高額療養費 against values computed by hand from the rules in DOMAIN.md (the arithmetic is in the comments).</summary>
public class HighCostTests
{
    private static readonly HighCostTable Table = HighCostTables.From2018August;
    private static readonly YearMonth October = YearMonth.Of(2024, 10);

    private static HouseholdMonth UnderSeventy(string incomeClass, params CostUnit[] units) =>
        new(October, incomeClass, null, units, new HashSet<string>());

    private static CostUnit Unit(string person, long cost, int pct, bool inpatient = false, string provider = "0110001") =>
        CostUnit.Of(person, provider, false, inpatient, cost, pct);

    [Fact]
    public void Copay_is_the_burden_ratio_of_the_cost_rounded_to_ten_yen()
    {
        Assert.Equal(37_040, CostUnit.CopayOf(123_450, 30)); // 37,035 → 37,040 (half up)
        Assert.Equal(37_030, CostUnit.CopayOf(123_430, 30)); // 37,029 → 37,030
        Assert.Equal(24_690, CostUnit.CopayOf(123_450, 20)); // 24,690 exactly
    }

    [Theory]
    // cost 1,000,000 at 30% → copay 300,000
    [InlineData("ア", 254_180)] // 252,600 + (1,000,000 − 842,000) × 1% = 252,600 + 1,580
    [InlineData("イ", 171_820)] // 167,400 + (1,000,000 − 558,000) × 1% = 167,400 + 4,420
    [InlineData("ウ", 87_430)]  // 80,100 + (1,000,000 − 267,000) × 1% = 80,100 + 7,330 (DOMAIN.md's example)
    [InlineData("エ", 57_600)]
    [InlineData("オ", 35_400)]
    public void Each_under_70_class_caps_a_one_million_yen_month(string incomeClass, long cap)
    {
        var result = HighCostCalculator.ForMonth(UnderSeventy(incomeClass, Unit("A", 1_000_000, 30, inpatient: true)), false, Table);
        Assert.Equal(cap, result.CapYen);
        Assert.Equal(300_000 - cap, result.PayableYen);
        Assert.True(result.HouseholdHit);
    }

    [Fact]
    public void The_one_percent_term_is_rounded_half_up_to_the_yen()
    {
        // ウ, cost 300,050: (300,050 − 267,000) × 1% = 330.5 → 331; cap 80,431. Copay 90,020 (90,015 → 90,020).
        var result = HighCostCalculator.ForMonth(UnderSeventy("ウ", Unit("A", 300_050, 30)), false, Table);
        Assert.Equal(80_431, result.CapYen);
        Assert.Equal(90_020 - 80_431, result.PayableYen);
    }

    [Fact]
    public void Under_the_threshold_nothing_is_payable()
    {
        // ウ, cost 200,000 → copay 60,000 < 80,100.
        var result = HighCostCalculator.ForMonth(UnderSeventy("ウ", Unit("A", 200_000, 30)), false, Table);
        Assert.Equal((80_100L, 0L, false), (result.CapYen, result.PayableYen, result.HouseholdHit));
    }

    [Fact]
    public void Household_aggregation_adds_only_units_of_21000_yen_or_more()
    {
        // Units: A 200,000 → 60,000; B 100,000 → 30,000; C 50,000 → 15,000 (< 21,000, left out).
        // Sum 90,000 over cost 300,000: cap 80,100 + 330 = 80,430 → payable 9,570.
        var month = UnderSeventy("ウ", Unit("A", 200_000, 30), Unit("B", 100_000, 30, provider: "0110002"), Unit("C", 50_000, 30, provider: "0110003"));
        var result = HighCostCalculator.ForMonth(month, false, Table);
        Assert.Equal(80_430, result.CapYen);
        Assert.Equal(9_570, result.PayableYen);
        Assert.Equal(105_000, result.CopayYen);
    }

    [Fact]
    public void Two_units_under_21000_yen_each_are_not_aggregated()
    {
        // エ: two units of 20,000 yen copay (cost 66,670 → 20,001 → 20,000) would exceed nothing anyway; make it オ:
        // 35,400 cap vs 2 × 20,000 = 40,000 — still nothing, because neither unit reaches 21,000.
        var month = UnderSeventy("オ", Unit("A", 66_670, 30), Unit("A", 66_670, 30, provider: "0110002"));
        Assert.Equal(0, HighCostCalculator.ForMonth(month, false, Table).PayableYen);
    }

    [Fact]
    public void Seventy_plus_ippan_caps_outpatient_per_person_then_the_household()
    {
        // P1 外来 150,000 at 20% → 30,000 → capped at 18,000 (12,000 payable).
        // P2 入院 400,000 at 20% → 80,000. Household: 18,000 + 80,000 = 98,000 → cap 57,600 (40,400 payable).
        var month = new HouseholdMonth(October, null, "一般",
            [Unit("P1", 150_000, 20), Unit("P2", 400_000, 20, inpatient: true, provider: "0220002")], new HashSet<string> { "P1", "P2" });
        var result = HighCostCalculator.ForMonth(month, false, Table);
        Assert.Equal(57_600, result.CapYen);
        Assert.Equal(52_400, result.PayableYen);
        Assert.Equal(57_600, result.BorneYen);
    }

    [Theory]
    // 外来 100,000 at 10% → 10,000 → capped at 8,000 (2,000). 入院 300,000 at 10% → 30,000.
    // Household 8,000 + 30,000 = 38,000 → cap 24,600 (低所得2) or 15,000 (低所得1).
    [InlineData("低所得2", 24_600, 2_000 + 13_400)]
    [InlineData("低所得1", 15_000, 2_000 + 23_000)]
    public void Low_income_seventy_plus_classes(string incomeClass, long cap, long payable)
    {
        var month = new HouseholdMonth(October, null, incomeClass,
            [Unit("P1", 100_000, 10), Unit("P1", 300_000, 10, inpatient: true, provider: "0220002")], new HashSet<string> { "P1" });
        var result = HighCostCalculator.ForMonth(month, false, Table);
        Assert.Equal((cap, payable), (result.CapYen, result.PayableYen));
    }

    [Fact]
    public void Seventy_plus_genekinami_uses_the_household_formula_without_an_outpatient_cap()
    {
        // 現役並み1 = ウ's formula. 外来 500,000 at 30% → 150,000; cap 80,100 + 2,330 = 82,430 → payable 67,570.
        var month = new HouseholdMonth(October, null, "現役並み1", [Unit("P1", 500_000, 30)], new HashSet<string> { "P1" });
        var result = HighCostCalculator.ForMonth(month, false, Table);
        Assert.Equal((82_430L, 67_570L), (result.CapYen, result.PayableYen));
    }

    [Fact]
    public void Mixed_household_applies_the_seventy_plus_caps_first_then_the_under_70_cap_to_the_sum()
    {
        // B (70+, 一般) 外来 150,000 at 20% → 30,000 → 18,000 (12,000 payable); 70+ household 18,000 ≤ 57,600.
        // A (under 70, ウ) 300,000 at 30% → 90,000 (≥ 21,000). Sum 108,000 over cost 450,000:
        // cap 80,100 + (450,000 − 267,000) × 1% = 81,930 → 26,070 payable. Total 12,000 + 26,070 = 38,070.
        var month = new HouseholdMonth(October, "ウ", "一般", [Unit("A", 300_000, 30), Unit("B", 150_000, 20, provider: "0220002")],
            new HashSet<string> { "B" });
        var result = HighCostCalculator.ForMonth(month, false, Table);
        Assert.Equal(81_930, result.CapYen);
        Assert.Equal(38_070, result.PayableYen);
        Assert.Equal(81_930, result.BorneYen);
    }

    [Fact]
    public void Tasuu_applies_from_the_fourth_month_with_a_household_payment_within_twelve()
    {
        // ウ, 1,000,000 yen every month: 212,570 payable (cap 87,430), from the 4th month cap 44,400 → 255,600.
        var months = Enumerable.Range(0, 5).Select(i =>
            new HouseholdMonth(YearMonth.Of(2024, 4).AddMonths(i), "ウ", null, [Unit("A", 1_000_000, 30, inpatient: true)], new HashSet<string>()));
        var results = HighCostCalculator.ComputeSeries(months.Reverse());
        Assert.Equal([false, false, false, true, true], results.Select(r => r.Tasuu));
        Assert.Equal([212_570L, 212_570, 212_570, 255_600, 255_600], results.Select(r => r.PayableYen));
    }

    [Fact]
    public void Tasuu_counts_only_hits_in_the_eleven_months_before()
    {
        // Hits in 2023-01, 2023-02, 2023-03, then 2024-01: 2023-01 and 2023-02 are more than 11 months before → not 多数回.
        var hitMonths = new[] { YearMonth.Of(2023, 1), YearMonth.Of(2023, 2), YearMonth.Of(2023, 3), YearMonth.Of(2024, 1), YearMonth.Of(2024, 2) };
        var results = HighCostCalculator.ComputeSeries(hitMonths.Select(m =>
            new HouseholdMonth(m, "ウ", null, [Unit("A", 1_000_000, 30, inpatient: true)], new HashSet<string>())));
        Assert.Equal([false, false, false, false, false], results.Select(r => r.Tasuu));
    }

    [Fact]
    public void Low_income_seventy_plus_never_becomes_tasuu()
    {
        var results = HighCostCalculator.ComputeSeries(Enumerable.Range(0, 6).Select(i => new HouseholdMonth(YearMonth.Of(2024, 1).AddMonths(i),
            null, "低所得2", [Unit("P1", 300_000, 10, inpatient: true)], new HashSet<string> { "P1" })));
        Assert.All(results, r => Assert.Equal((false, 24_600L, 30_000L - 24_600), (r.Tasuu, r.CapYen, r.PayableYen)));
    }

    [Fact]
    public void Outpatient_stage_alone_does_not_count_towards_tasuu()
    {
        // 一般: 外来 only, 30,000 copay each month → 12,000 per-person payable, the household cap never exceeded.
        var results = HighCostCalculator.ComputeSeries(Enumerable.Range(0, 5).Select(i => new HouseholdMonth(YearMonth.Of(2024, 8).AddMonths(i),
            null, "一般", [Unit("P1", 150_000, 20)], new HashSet<string> { "P1" })));
        Assert.All(results, r => Assert.False(r.HouseholdHit || r.Tasuu));
        Assert.All(results, r => Assert.Equal(12_000, r.MonthlyPayableYen));
    }

    [Fact]
    public void Annual_outpatient_cap_pays_what_goes_beyond_144000_yen_from_august_to_july()
    {
        // 一般, 外来 30,000 copay a month → 18,000 borne a month. Aug..Mar: 8 × 18,000 = 144,000.
        // Apr..Jul add 18,000 each beyond the annual cap: 18,000 payable each on top of the monthly 12,000.
        var months = Enumerable.Range(0, 12).Select(i => new HouseholdMonth(YearMonth.Of(2024, 8).AddMonths(i),
            null, "一般", [Unit("P1", 150_000, 20)], new HashSet<string> { "P1" })).ToList();
        var results = HighCostCalculator.ComputeSeries(months);
        Assert.Equal(Enumerable.Repeat(0L, 8).Concat(Enumerable.Repeat(18_000L, 4)), results.Select(r => r.AnnualOutpatientYen));
        Assert.Equal(144_000, results.Sum(r => r.BorneYen));
        Assert.Equal(12 * 12_000 + 4 * 18_000, results.Sum(r => r.PayableYen));

        // A new year starts in August: the next August bears its 18,000 again.
        var next = HighCostCalculator.ComputeSeries(months.Append(months[0] with { Month = YearMonth.Of(2025, 8) }));
        Assert.Equal(0, next[^1].AnnualOutpatientYen);
    }

    [Fact]
    public void Tables_are_effective_dated()
    {
        Assert.Same(HighCostTables.From2018August, HighCostTables.For(YearMonth.Of(2018, 8)));
        Assert.Same(HighCostTables.From2018August, HighCostTables.For(YearMonth.Of(2026, 11)));
        Assert.Throws<ArgumentOutOfRangeException>(() => HighCostTables.For(YearMonth.Of(2018, 7)));
    }

    [Fact]
    public void Combined_care_pays_the_excess_over_the_annual_cap_split_by_copays()
    {
        // ウ: 500,000 medical + 300,000 care = 800,000 − 670,000 = 130,000; medical 130,000 × 5/8 = 81,250, care 48,750.
        var r = CombinedCareCalculator.Compute(null, new CareYearBurden("ウ", 500_000, 300_000), Table);
        Assert.Equal((800_000L, 670_000L, 130_000L, 81_250L, 48_750L), (r.TotalYen, r.CapYen, r.PayableYen, r.MedicalShareYen, r.CareShareYen));

        // 70+ 一般: 400,000 + 200,000 − 560,000 = 40,000; medical 40,000 × 2/3 = 26,666.67 → 26,666, care 13,334.
        var s = CombinedCareCalculator.Compute(new CareYearBurden("一般", 400_000, 200_000), null, Table);
        Assert.Equal((40_000L, 26_666L, 13_334L), (s.PayableYen, s.MedicalShareYen, s.CareShareYen));
    }

    [Fact]
    public void Combined_care_is_not_paid_at_500_yen_or_less()
    {
        Assert.Equal(0, CombinedCareCalculator.Compute(null, new CareYearBurden("ウ", 400_000, 270_500), Table).PayableYen); // excess 500
        Assert.Equal(501, CombinedCareCalculator.Compute(null, new CareYearBurden("ウ", 400_000, 270_501), Table).PayableYen);
    }

    [Fact]
    public void Combined_care_in_a_mixed_household_caps_the_seventy_plus_members_first()
    {
        // 70+ 一般: 500,000 + 200,000 = 700,000 → 560,000 (140,000). Under 70 ウ: 560,000 carried + 100,000 + 50,000
        // = 710,000 → 670,000 (40,000). Total 180,000; medical (600,000 of 850,000) → 127,058, care 52,942.
        var r = CombinedCareCalculator.Compute(new CareYearBurden("一般", 500_000, 200_000), new CareYearBurden("ウ", 100_000, 50_000), Table);
        Assert.Equal((180_000L, 127_058L, 52_942L), (r.PayableYen, r.MedicalShareYen, r.CareShareYen));
    }
}
