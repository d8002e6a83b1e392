using Shinsa.Grains.Records;
using Shinsa.Grains.Review;

namespace Shinsa.Grains.HighCost;

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
    public static IReadOnlyList<HighCostRow> Compute(HouseholdFacts facts)
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
        if (months.Count == 0) return [];
        return HighCostCalculator.ComputeSeries(months)
            .Where(r => r.PayableYen > 0)
            .Select(r =>
            {
                var m = months.First(x => x.Month == r.Month);
                return new HighCostRow(facts.Card, householdIds[r.Month], r.Month, m.Units.Select(u => u.PersonKey).Distinct().Count(),
                    r.CostYen, r.CopayYen, r.CapYen, r.PayableYen, r.Tasuu);
            })
            .ToList();
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
