using System.Collections.Immutable;
using FsCheck;
using FsCheck.Xunit;
using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Grains.Rollups;
using static Shinsa.Grains.Tests.ReviewFixture;

namespace Shinsa.Grains.Tests;

/// <summary>
/// The findings' and 高額療養費's totals that the KPI catalogue reads from the measures (the findings themselves are in
/// the store): worked examples by hand, and the incremental moves of a household's reviews against one count at the end.
/// </summary>
public class ReviewTotalsTests
{
    private static readonly HouseholdCard Other = new("040014", "12", "999");

    private static Finding Open(string id, string check, string person, string provider, int month, long yen, params (string Provider, int Billing)[] receipts) =>
        new(id, check, 1, Card, person, provider, new YearMonth(month),
            receipts.Select((r, i) => new ReceiptKey(r.Provider, new YearMonth(r.Billing), i + 1)).ToImmutableArray(), yen, FindingState.Open, "");

    /// <summary>The cells that <see cref="ReviewTotals.AddTo"/> gives a household's rows, alone in a rollup.</summary>
    private static Dictionary<MeasureKey, MeasureValue> Of(IEnumerable<Finding> open, IEnumerable<HighCostRow> highCost)
    {
        var rollup = new MeasureRollup();
        ReviewTotals.AddTo(rollup, +1, open, highCost);
        return rollup.Cells().ToDictionary();
    }

    private static MeasureValue Cell(Dictionary<MeasureKey, MeasureValue> cells, Measure measure, string provider, int month, string check = "",
        int billed = 0) => cells.GetValueOrDefault(new MeasureKey(measure, Card.InsurerNo, provider, new YearMonth(month), check, new YearMonth(billed)));

    private static long People(Dictionary<MeasureKey, MeasureValue> cells, Measure measure, string provider, int month, string kind) =>
        Cell(cells, measure, provider, month, kind).Count;

    [Fact]
    public void A_person_seen_at_two_providers_counts_once_for_the_insurer_and_once_at_each_provider()
    {
        var cells = Of(
        [
            Open("VISITS:a", "VISITS", "P1", Clinic, 202404, 1_000, (Clinic, 202405)),
            Open("VISITS:b", "VISITS", "P1", Clinic2, 202404, 2_500, (Clinic2, 202405), (Clinic2, 202406)),
            Open("VISITS:c", "VISITS", "P2", Clinic, 202404, 700, (Clinic, 202405)),
        ], []);
        // Findings per check, one cell per provider, 診療年月 and 請求年月 (the latest billing month of the receipts): the
        // clinic's two in May (¥1,000 + ¥700), the other clinic's one in June (¥2,500), none of it in May.
        Assert.Equal(new MeasureValue(2, 1_700), Cell(cells, Measure.OpenFindings, Clinic, 202404, "VISITS", billed: 202405));
        Assert.Equal(new MeasureValue(1, 2_500), Cell(cells, Measure.OpenFindings, Clinic2, 202404, "VISITS", billed: 202406));
        Assert.Equal(default, Cell(cells, Measure.OpenFindings, Clinic2, 202404, "VISITS", billed: 202405));
        // People: P1 and P2 for the insurer (not three), P1 and P2 at the clinic, P1 alone at the other.
        Assert.Equal(2, People(cells, Measure.People, "", 202404, ReviewTotals.FrequentVisitors));
        Assert.Equal(2, People(cells, Measure.People, Clinic, 202404, ReviewTotals.FrequentVisitors));
        Assert.Equal(1, People(cells, Measure.People, Clinic2, 202404, ReviewTotals.FrequentVisitors));
        // By 請求年月 P1 is in May (at the clinic) and in June (at the other), once in each.
        Assert.Equal(2, People(cells, Measure.PeopleBilled, "", 202405, ReviewTotals.FrequentVisitors));
        Assert.Equal(1, People(cells, Measure.PeopleBilled, "", 202406, ReviewTotals.FrequentVisitors));
    }

    [Fact]
    public void Polypharmacy_and_duplicate_drugs_are_different_people_counts_and_other_checks_count_no_people()
    {
        var cells = Of(
        [
            Open("DRUGS:x:P1:polypharmacy", "DRUGS", "P1", Pharmacy, 202404, 0),
            Open("DRUGS:x:P1:2149", "DRUGS", "P1", Pharmacy, 202404, 300),
            Open("THIRD:x:P2", "THIRD", "P2", Clinic, 202404, 0),
        ], []);
        Assert.Equal(1, People(cells, Measure.People, "", 202404, ReviewTotals.Polypharmacy));
        Assert.Equal(1, People(cells, Measure.People, "", 202404, ReviewTotals.DuplicateDrugs));
        Assert.Equal(new MeasureValue(2, 300), Cell(cells, Measure.OpenFindings, Pharmacy, 202404, "DRUGS", billed: 202405));
        Assert.DoesNotContain(cells.Keys, k => k.Measure == Measure.People && k.Check == "THIRD");
        // No receipts: the finding's 請求年月 is the month after its service month.
        Assert.Equal(new MeasureValue(1, 0), Cell(cells, Measure.OpenFindings, Clinic, 202404, "THIRD", billed: 202405));
    }

    [Fact]
    public void High_cost_totals_are_per_insurer_and_month_and_only_payable_rows_count()
    {
        var cells = Of([],
        [
            new HighCostRow(Card, "H1", new YearMonth(202404), 2, 1_000_000, 300_000, 87_430, 212_570, false),
            new HighCostRow(Card, "H1", new YearMonth(202405), 1, 500_000, 150_000, 44_400, 105_600, true),
            new HighCostRow(Card, "H1", new YearMonth(202406), 1, 10_000, 3_000, 80_100, 0, false),
        ]);
        Assert.Equal(new MeasureValue(1, 212_570), Cell(cells, Measure.HighCostHouseholds, "", 202404));
        Assert.Equal(2, Cell(cells, Measure.HighCostPersons, "", 202404).Count);
        Assert.Equal(default, Cell(cells, Measure.HighCostTasuu, "", 202404));
        Assert.Equal(1, Cell(cells, Measure.HighCostTasuu, "", 202405).Count);
        Assert.DoesNotContain(cells.Keys, k => k.Month == new YearMonth(202406));
        Assert.Empty(Of([], []));
    }

    [Fact]
    public void Two_households_add_up_and_moving_one_back_to_nothing_leaves_the_other()
    {
        var rollup = new MeasureRollup();
        Finding[] first = [Open("VISITS:a", "VISITS", "P1", Clinic, 202404, 1_000)];
        Finding[] second = [Open("VISITS:b", "VISITS", "P1", Clinic, 202404, 500) with { Card = Other }];
        ReviewTotals.AddTo(rollup, +1, first, []);
        ReviewTotals.AddTo(rollup, +1, second, []);
        // Same person key, two households: two people (a person is one household's).
        Assert.Equal(2, rollup.Sum(Measure.People, Months.All, k => k.ProviderCode == "").Count);
        ReviewTotals.AddTo(rollup, -1, first, []);
        Assert.Equal(Of(second, []).OrderBy(c => c.Key.ToString()), rollup.Cells().OrderBy(c => c.Key.ToString()));
    }

    /// <summary>
    /// Whatever a household's records and their order (with a withdrawal), the measure cells its reviews moved one by one
    /// hold exactly the totals of its open findings and 高額療養費 rows at the end.
    /// </summary>
    [Property(MaxTest = 60)]
    public bool The_totals_moved_review_by_review_equal_the_totals_of_the_household_at_the_end(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        var rng = new Random(seed);
        var records = ReviewProperties.Household(seed);
        var receipts = records.OfType<ReceiptArrived>().Select(r => r.Receipt.Key).Distinct().ToList();
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(records));
        if (rng.Next(2) == 0) records.Add(new ReceiptWithdrawn(Card, receipts[rng.Next(receipts.Count)]));
        var w = new World(Context(202407));
        foreach (var r in records) w.Apply(r);
        var moved = w.Partials.Measures.Cells().Where(c => c.Key.Measure >= Measure.OpenFindings).OrderBy(c => c.Key.ToString(), StringComparer.Ordinal);
        var atTheEnd = Of(w.Grain.OpenFindings, w.Grain.HighCost).OrderBy(c => c.Key.ToString(), StringComparer.Ordinal);
        // The KPI cells count the same open findings in the same 診療年月 × 請求年月 × insurer × provider as the per-check cells.
        var inKpiCells = w.Partials.Kpis.Cells().Where(c => c.Value.Findings != 0)
            .Select(c => (c.Key.ServiceMonth, c.Key.BillingMonth, c.Key.InsurerNo, c.Key.ProviderCode, c.Value.Findings, c.Value.FindingYen)).Order();
        var inMeasures = moved.Where(c => c.Key.Measure == Measure.OpenFindings)
            .GroupBy(c => (c.Key.Month, c.Key.Billed, c.Key.InsurerNo, c.Key.ProviderCode))
            .Select(g => (g.Key.Month, g.Key.Billed, g.Key.InsurerNo, g.Key.ProviderCode, g.Sum(c => c.Value.Count), g.Sum(c => c.Value.Amount))).Order();
        return moved.SequenceEqual(atTheEnd) && inKpiCells.SequenceEqual(inMeasures);
    }

    [Fact]
    public void The_generated_households_have_findings_whose_receipts_are_billed_in_different_months()
    {
        // Guards the property above: the KPI cells' 請求年月 must be tested where a first and a latest billing month differ.
        Assert.Contains(Enumerable.Range(0, 60), seed =>
        {
            var w = new World(Context(202407)).Apply(ReviewProperties.Household(seed).ToArray());
            return w.Grain.OpenFindings.Any(f => f.Receipts.Select(r => r.BillingMonth).Distinct().Count() > 1);
        });
    }
}
