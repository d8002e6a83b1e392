using Shinsa.Grains.Records;

namespace Shinsa.Grains.HighCost;

/// <summary>A household's month at one insurer: its units, which members are 70 and over, and its income classes.</summary>
public sealed record HouseholdMonth(
    YearMonth Month,
    string? UnderSeventyClass,      // ア..オ; null when every member is 70 or over
    string? SeventyPlusClass,       // 現役並み3..低所得1; null when no member is 70 or over
    IReadOnlyList<CostUnit> Units,
    IReadOnlySet<string> SeventyPlusPersons);

/// <summary>
/// The 高額療養費 of one household month. <see cref="PayableYen"/> = the monthly stages (70+ 外来 per person, 70+
/// household, under-70 household) plus <see cref="AnnualOutpatientYen"/> (the Aug–Jul 外来 cap of 70+ 一般).
/// <see cref="CapYen"/> is the household cap that applied last. <see cref="HouseholdHit"/> says whether a household
/// cap was exceeded, which is what counts towards 多数回 (the 70+ 外来 per-person stage does not).
/// </summary>
public sealed record HighCostResult(
    YearMonth Month, long CostYen, long CopayYen, long CapYen, long MonthlyPayableYen, long AnnualOutpatientYen, bool Tasuu, bool HouseholdHit)
{
    public long PayableYen => MonthlyPayableYen + AnnualOutpatientYen;

    /// <summary>What the household bears after 高額療養費 (what 高額介護合算 starts from).</summary>
    public long BorneYen => CopayYen - PayableYen;
}

public static class HighCostCalculator
{
    /// <summary>
    /// One month, given whether the household has had 3 hits in the 11 months before (<see cref="ComputeSeries"/> decides
    /// that). The result's Tasuu says whether a reduced cap was used: never for 低所得 70+.
    /// </summary>
    public static HighCostResult ForMonth(HouseholdMonth month, bool tasuu, HighCostTable table)
    {
        var cost = month.Units.Sum(u => u.CostYen);
        var copay = month.Units.Sum(u => u.CopayYen);
        long payable = 0, cap = 0, borne70 = 0, cost70 = 0;
        bool hit = false, tasuuApplied = false;

        var seventyPlus = month.Units.Where(u => month.SeventyPlusPersons.Contains(u.PersonKey)).ToList();
        if (seventyPlus.Count > 0)
        {
            var caps = month.SeventyPlusClass is { } c && table.SeventyPlus.TryGetValue(c, out var found) ? found
                : throw new ArgumentException($"70+ members but no known 70+ income class ('{month.SeventyPlusClass}')", nameof(month));
            // Stage 1: 外来 per person. Stage 2: the 70+ members' household cap over 外来 (after stage 1) and 入院.
            long household70 = 0;
            foreach (var person in seventyPlus.GroupBy(u => u.PersonKey))
            {
                var outpatient = person.Where(u => !u.Inpatient).Sum(u => u.CopayYen);
                var borneOut = caps.OutpatientPerPerson is { } perPerson ? Math.Min(outpatient, perPerson) : outpatient;
                payable += outpatient - borneOut;
                household70 += borneOut + person.Where(u => u.Inpatient).Sum(u => u.CopayYen);
            }
            cost70 = seventyPlus.Sum(u => u.CostYen);
            tasuuApplied = tasuu && caps.TasuuApplies;
            cap = caps.Household.Cap(cost70, tasuuApplied);
            borne70 = Math.Min(household70, cap);
            payable += household70 - borne70;
            hit = household70 > cap;
        }

        if (month.UnderSeventyClass is { } under)
        {
            var formula = table.UnderSeventy.TryGetValue(under, out var f) ? f
                : throw new ArgumentException($"unknown under-70 income class '{under}'", nameof(month));
            // Stage 3: under-70 units of ≥ 21,000 yen, plus what the 70+ members still bear, under the under-70 cap.
            var eligible = month.Units.Where(u => !month.SeventyPlusPersons.Contains(u.PersonKey) && u.CopayYen >= table.HouseholdUnitThreshold).ToList();
            var sum = borne70 + eligible.Sum(u => u.CopayYen);
            tasuuApplied |= tasuu;
            cap = formula.Cap(cost70 + eligible.Sum(u => u.CostYen), tasuu);
            if (sum > cap)
            {
                payable += sum - cap;
                hit = true;
            }
        }
        return new HighCostResult(month.Month, cost, copay, cap, payable, 0, tasuuApplied, hit);
    }

    /// <summary>
    /// A household's months at one insurer, in any order. 多数回: a month is the 4th time when a household cap was
    /// exceeded in at least 3 of the 11 months before it. The 70+ 一般 annual 外来 cap (Aug–Jul) pays, in the month it is
    /// crossed and after, what each person's monthly 外来 (after the per-person cap) adds beyond it. Recomputing the
    /// whole series when any month changes keeps later months right (an earlier month can change a later 多数回).
    /// </summary>
    public static IReadOnlyList<HighCostResult> ComputeSeries(IEnumerable<HouseholdMonth> months)
    {
        var ordered = months.OrderBy(m => m.Month).ToList();
        var results = new List<HighCostResult>(ordered.Count);
        var outpatientBorne = new Dictionary<(string Person, int Year), long>();
        foreach (var month in ordered)
        {
            var table = HighCostTables.For(month.Month);
            var hits = results.Count(r => r.HouseholdHit && r.Month >= month.Month.AddMonths(-11));
            var result = ForMonth(month, hits >= 3, table);
            results.Add(result with { AnnualOutpatientYen = AnnualOutpatient(month, table, outpatientBorne) });
        }
        return results;
    }

    private static long AnnualOutpatient(HouseholdMonth month, HighCostTable table, Dictionary<(string, int), long> borneSoFar)
    {
        if (month.SeventyPlusClass is not { } c || table.SeventyPlus[c] is not { AnnualOutpatientCap: { } annual, OutpatientPerPerson: { } perPerson })
            return 0;
        // The year runs August to July; it is named by the year its August falls in.
        var year = month.Month.Month >= 8 ? month.Month.Year : month.Month.Year - 1;
        long extra = 0;
        foreach (var person in month.Units.Where(u => month.SeventyPlusPersons.Contains(u.PersonKey) && !u.Inpatient).GroupBy(u => u.PersonKey))
        {
            var borne = Math.Min(person.Sum(u => u.CopayYen), perPerson);
            var before = borneSoFar.GetValueOrDefault((person.Key, year));
            borneSoFar[(person.Key, year)] = before + borne;
            extra += Math.Max(0, before + borne - annual) - Math.Max(0, before - annual);
        }
        return extra;
    }
}
