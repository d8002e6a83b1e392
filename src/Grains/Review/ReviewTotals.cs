using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Review;

/// <summary>
/// What one household's open findings and 高額療養費 rows count toward the KPI catalogue (per check, the people of
/// DOMAIN.md's 重複・頻回受診者数 / 重複投薬者数 / 多剤投与者数, 高額療養費 支給額 and 世帯数), as measure cells. A household
/// moves the shard's cells from its totals before a review to its totals after, so the cells are a pure function of
/// the applied records and the catalogue never walks the findings (which live in the store, not in memory).
/// People are counted per household, and a person belongs to one household: the sum over households is the number of
/// distinct people, both per provider and, with the provider empty, "at any provider".
/// </summary>
public static class ReviewTotals
{
    /// <summary>重複・頻回受診者.</summary>
    public const string FrequentVisitors = "VISITS";
    /// <summary>重複投薬者: DRUGS findings other than 多剤.</summary>
    public const string DuplicateDrugs = "DRUGS-duplicate";
    /// <summary>多剤投与者: PharmacyChecks names its 多剤 finding "…:polypharmacy".</summary>
    public const string Polypharmacy = "DRUGS-polypharmacy";

    /// <summary>The kind of person a finding makes its person count as; null for checks the catalogue counts no people of.</summary>
    public static string? PeopleKindOf(Finding f) => f.CheckId switch
    {
        "VISITS" => FrequentVisitors,
        "DRUGS" => f.Id.EndsWith(":polypharmacy", StringComparison.Ordinal) ? Polypharmacy : DuplicateDrugs,
        _ => null,
    };

    /// <summary>
    /// Adds the totals of <paramref name="openFindings"/> and <paramref name="highCost"/> to <paramref name="rollup"/>,
    /// <paramref name="sign"/> times: a household takes back its totals (−1) before its first change and adds them again
    /// (+1) after its last, so no totals are kept per household.
    /// </summary>
    public static void AddTo(MeasureRollup rollup, int sign, IEnumerable<Finding> openFindings, IEnumerable<HighCostRow> highCost)
    {
        HashSet<(MeasureKey Cell, string Person)>? people = null;
        foreach (var f in openFindings)
        {
            var insurer = f.Card.InsurerNo;
            var billed = f.BillingMonth;
            rollup.Add(new MeasureKey(Measure.OpenFindings, insurer, f.ProviderCode, f.ServiceMonth, f.CheckId, billed), sign * new MeasureValue(1, f.YenAtStake));
            if (PeopleKindOf(f) is not { } kind) continue;
            people ??= new();
            foreach (var provider in (ReadOnlySpan<string>)[f.ProviderCode, ""])
            {
                people.Add((new MeasureKey(Measure.People, insurer, provider, f.ServiceMonth, kind), f.PersonKey));
                people.Add((new MeasureKey(Measure.PeopleBilled, insurer, provider, billed, kind), f.PersonKey));
            }
        }
        if (people is not null)
            foreach (var (cell, _) in people) rollup.Add(cell, sign);

        foreach (var h in highCost)
        {
            if (h.PayableYen <= 0) continue;
            var insurer = h.Card.InsurerNo;
            rollup.Add(new MeasureKey(Measure.HighCostHouseholds, insurer, "", h.Month), sign * new MeasureValue(1, h.PayableYen));
            rollup.Add(new MeasureKey(Measure.HighCostPersons, insurer, "", h.Month), sign * h.Persons);
            if (h.Tasuu) rollup.Add(new MeasureKey(Measure.HighCostTasuu, insurer, "", h.Month), sign);
        }
    }
}
