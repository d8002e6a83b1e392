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

    /// <summary>The cells of <paramref name="openFindings"/> and <paramref name="highCost"/>; null when they count nothing (most households).</summary>
    public static Dictionary<MeasureKey, long>? Of(IEnumerable<Finding> openFindings, IEnumerable<HighCostRow> highCost)
    {
        Dictionary<MeasureKey, long>? cells = null;
        HashSet<(MeasureKey Cell, string Person)>? people = null;
        void Add(MeasureKey key, long n) =>
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(cells ??= new(), key, out _) += n;

        foreach (var f in openFindings)
        {
            var insurer = f.Card.InsurerNo;
            var billed = f.BillingMonth;
            Add(new MeasureKey(Measure.OpenFindings, insurer, f.ProviderCode, f.ServiceMonth, f.CheckId), 1);
            Add(new MeasureKey(Measure.OpenFindingYen, insurer, f.ProviderCode, f.ServiceMonth, f.CheckId), f.YenAtStake);
            Add(new MeasureKey(Measure.OpenFindingsBilled, insurer, f.ProviderCode, billed, f.CheckId), 1);
            Add(new MeasureKey(Measure.OpenFindingYenBilled, insurer, f.ProviderCode, billed, f.CheckId), f.YenAtStake);
            if (PeopleKindOf(f) is not { } kind) continue;
            people ??= new();
            foreach (var provider in (ReadOnlySpan<string>)[f.ProviderCode, ""])
            {
                people.Add((new MeasureKey(Measure.People, insurer, provider, f.ServiceMonth, kind), f.PersonKey));
                people.Add((new MeasureKey(Measure.PeopleBilled, insurer, provider, billed, kind), f.PersonKey));
            }
        }
        if (people is not null)
            foreach (var (cell, _) in people) Add(cell, 1);

        foreach (var h in highCost)
        {
            if (h.PayableYen <= 0) continue;
            var insurer = h.Card.InsurerNo;
            Add(new MeasureKey(Measure.HighCostPayableYen, insurer, "", h.Month), h.PayableYen);
            Add(new MeasureKey(Measure.HighCostHouseholds, insurer, "", h.Month), 1);
            Add(new MeasureKey(Measure.HighCostPersons, insurer, "", h.Month), h.Persons);
            if (h.Tasuu) Add(new MeasureKey(Measure.HighCostTasuu, insurer, "", h.Month), 1);
        }
        return cells;
    }

    /// <summary>Moves <paramref name="rollup"/> from a household's totals <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static void Move(MeasureRollup rollup, Dictionary<MeasureKey, long>? before, Dictionary<MeasureKey, long>? after)
    {
        if (before is not null)
            foreach (var (key, n) in before) rollup.Add(key, -n);
        if (after is not null)
            foreach (var (key, n) in after) rollup.Add(key, n);
    }
}
