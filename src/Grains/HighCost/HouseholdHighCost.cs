using Shinsa.Grains.Records;
using Shinsa.Grains.Review;

namespace Shinsa.Grains.HighCost;

/// <summary>高額介護合算療養費 of a household's August–July year (named by the year its August is in), when payable.</summary>
public sealed record CombinedCareRow(HouseholdCard Card, string HouseholdId, int Year, long MedicalBorneYen, long CareCopayYen, long CapYen,
    long PayableYen, long MedicalShareYen, long CareShareYen);

/// <summary>A household month with 高額療養費 payable: what the API's high-cost list shows.</summary>
public sealed record HighCostRow(
    HouseholdCard Card, string HouseholdId, YearMonth Month, int Persons, long CostYen, long CopayYen, long CapYen, long PayableYen, bool Tasuu);

/// <summary>
/// 高額療養費 of a household (one card = one insurer, so 多数回 counts "at the same insurer"), from its receipts and
/// eligibility, on the cost after 査定: units per person × provider × 医科/歯科 × 入院/外来 (調剤 joins its prescriber's 外来 unit), copay from
/// the burden % in force, income classes from the eligibility rows, the whole series recomputed so a change in an
/// earlier month moves later 多数回. A month whose people have no eligibility (no income class) is not computed:
/// ELIG-NONE already flags it.
/// </summary>
public static class HouseholdHighCost
{
    public static IReadOnlyList<HighCostRow> Compute(HouseholdFacts facts) => ComputeAll(facts).Monthly;

    /// <summary>The months with 高額療養費 payable, and the years with 高額介護合算療養費 payable.</summary>
    public static (IReadOnlyList<HighCostRow> Monthly, IReadOnlyList<CombinedCareRow> Yearly) ComputeAll(HouseholdFacts facts)
    {
        var earliest = HighCostTables.All.Min(t => t.EffectiveFrom);
        var months = new List<HouseholdMonth>();
        var householdIds = new Dictionary<YearMonth, string>();
        foreach (var month in facts.Receipts.Where(r => r.ServiceMonth >= earliest).GroupBy(r => r.ServiceMonth))
            if (Month(facts, month.Key, month.ToList(), out var householdId) is { } m)
            {
                months.Add(m);
                householdIds[m.Month] = householdId;
            }
        if (months.Count == 0) return ([], []);
        var results = HighCostCalculator.ComputeSeries(months);
        var monthly = results
            .Where(r => r.PayableYen > 0)
            .Select(r =>
            {
                var m = months.First(x => x.Month == r.Month);
                return new HighCostRow(facts.Card, householdIds[r.Month], r.Month, m.Units.Select(u => u.PersonKey).Distinct().Count(),
                    r.CostYen, r.CopayYen, r.CapYen, r.PayableYen, r.Tasuu);
            })
            .ToList();
        return (monthly, CombinedCare(facts, months, results, householdIds));
    }

    /// <summary>
    /// 高額介護合算療養費 per August–July year: what the household bore for medical care after 高額療養費, plus its care
    /// copays, against the annual cap of its income class (the class of the year's last computed month). In a mixed
    /// household each month's borne amount is split between the 70+ and the under-70 members in proportion to their
    /// copays (the 70+ share rounded down), and care copays go to the group of the person they are for.
    /// </summary>
    private static List<CombinedCareRow> CombinedCare(HouseholdFacts facts, List<HouseholdMonth> months, IReadOnlyList<HighCostResult> results,
        Dictionary<YearMonth, string> householdIds)
    {
        static int YearOf(YearMonth m) => m.Month >= 8 ? m.Year : m.Year - 1;
        var rows = new List<CombinedCareRow>();
        foreach (var year in months.GroupBy(m => YearOf(m.Month)))
        {
            long medical70 = 0, medicalUnder = 0, care70 = 0, careUnder = 0;
            string? class70 = null, classUnder = null;
            foreach (var m in year.OrderBy(m => m.Month))
            {
                var borne = results.First(r => r.Month == m.Month).BorneYen;
                var copay = m.Units.Sum(u => u.CopayYen);
                var copay70 = m.Units.Where(u => m.SeventyPlusPersons.Contains(u.PersonKey)).Sum(u => u.CopayYen);
                var share70 = copay == 0 ? 0 : borne * copay70 / copay;
                medical70 += share70;
                medicalUnder += borne - share70;
                class70 = m.SeventyPlusClass ?? class70;
                classUnder = m.UnderSeventyClass ?? classUnder;
            }
            foreach (var held in facts.CareClaims.Where(c => YearOf(c.Claim.ServiceMonth) == year.Key))
            {
                var row = facts.RowsOf(held.Branch, 0, 0).FirstOrDefault();
                if (row is not null && HouseholdFacts.IsSeventyPlus(row.BirthDate, held.Claim.ServiceMonth)) care70 += held.Claim.CopayYen;
                else careUnder += held.Claim.CopayYen;
            }
            var last = year.Max(m => m.Month);
            var table = HighCostTables.For(last);
            var result = CombinedCareCalculator.Compute(
                class70 is null ? null : new CareYearBurden(class70, medical70, care70),
                classUnder is null ? null : new CareYearBurden(classUnder, medicalUnder, careUnder), table);
            if (result.PayableYen > 0)
                rows.Add(new CombinedCareRow(facts.Card, householdIds[last], year.Key, medical70 + medicalUnder, care70 + careUnder, result.CapYen,
                    result.PayableYen, result.MedicalShareYen, result.CareShareYen));
        }
        return rows;
    }

    private static HouseholdMonth? Month(HouseholdFacts facts, YearMonth month, List<Receipt> receipts, out string householdId)
    {
        householdId = facts.Card.Key;
        var units = new Dictionary<(string Person, string Provider, bool Dental, bool Inpatient), (long Cost, int Burden)>();
        var seventyPlus = new HashSet<string>();
        string? under = null, over = null;
        foreach (var r in receipts)
        {
            var row = HouseholdFacts.FirstCoveredDay(facts.RowsOf(r.Branch, r.BirthDate, r.Sex), month, out _);
            if (row is null) return null;
            householdId = row.HouseholdId;
            var person = row.PersonId;
            if (HouseholdFacts.IsSeventyPlus(row.BirthDate, month)) { seventyPlus.Add(person); over = row.IncomeClass; }
            else under = row.IncomeClass;
            var key = r.Kind == ClaimKind.Pharmacy && r.PrescriberCode is { } prescriber
                ? (person, prescriber, false, false)
                : (person, r.Key.ProviderCode, r.Kind == ClaimKind.Dental, r.IsInpatient);
            var unit = units.GetValueOrDefault(key);
            units[key] = (unit.Cost + facts.AssessedCostYen(r), row.BurdenPct);
        }
        var costUnits = units.OrderBy(u => u.Key.Person, StringComparer.Ordinal).ThenBy(u => u.Key.Provider, StringComparer.Ordinal)
            .ThenBy(u => u.Key.Dental).ThenBy(u => u.Key.Inpatient)
            .Select(u => CostUnit.Of(u.Key.Person, u.Key.Provider, u.Key.Dental, u.Key.Inpatient, u.Value.Cost, u.Value.Burden)).ToList();
        var table = HighCostTables.For(month);
        // A class the table does not know (a 70+ class on an under-70 member, a typo upstream) cannot be capped.
        if ((under is not null && !table.UnderSeventy.ContainsKey(under)) || (over is not null && !table.SeventyPlus.ContainsKey(over))) return null;
        return new HouseholdMonth(month, under, over, costUnits, seventyPlus);
    }
}
