using FsCheck;
using FsCheck.Xunit;
using Shinsa.Grains.Households;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Tests;

/// <summary>Properties of applying receipts: the final rollup depends on the set of final receipts, not on the order.</summary>
public class RollupProperties
{
    private static Receipt[] Stream(int seed)
    {
        // A stream of receipts over three keys, where later versions of a key replace earlier ones.
        var random = new Random(seed);
        return Enumerable.Range(0, 30).Select(_ =>
        {
            var no = random.Next(1, 4);
            var points = random.Next(1, 500);
            var declared = random.Next(4) == 0 ? points + random.Next(1, 50) : points;
            return Receipts.Make(no, declared, [(points, 1)], service: 202401 + random.Next(3), days: random.Next(1, 5));
        }).ToArray();
    }

    private static (KpiRollup Rollup, HouseholdGrain Grain) Apply(IEnumerable<Receipt> receipts)
    {
        var rollup = new KpiRollup();
        var grain = new HouseholdGrain(Receipts.Card);
        foreach (var r in receipts) grain.Apply(new ReceiptArrived(r), rollup);
        return (rollup, grain);
    }

    [Property(MaxTest = 200)]
    public bool Rollup_equals_the_sum_over_the_last_version_of_each_receipt(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        {
            var stream = Stream(seed);
            var expected = new KpiRollup();
            foreach (var last in stream.GroupBy(r => r.Key).Select(g => g.Last()))
                expected.Add(KpiRollup.KeyOf(last), KpiRollup.CountersOf(last, ReceiptDecisions.None, Masters.ReferenceMasters.Empty));
            var (rollup, grain) = Apply(stream);
            // The finding counters are those of the grain's open findings (TOTAL on every inconsistent last version,
            // DUP on months with several receipts): checked apart from the receipt counters.
            var total = rollup.Sum(Months.All, _ => true);
            var open = grain.OpenFindings.ToList();
            var totals = stream.GroupBy(r => r.Key).Select(g => g.Last()).Count(r => r.DeclaredPoints != r.ComputedPoints);
            return Sorted(rollup).SequenceEqual(Sorted(expected))
                && total.Findings == open.Count && total.FindingYen == open.Sum(f => f.YenAtStake)
                && open.Count(f => f.CheckId == "TOTAL") == totals;
        }
    }

    private static IEnumerable<KeyValuePair<KpiKey, KpiCounters>> Sorted(KpiRollup rollup) =>
        rollup.Cells().Select(c => KeyValuePair.Create(c.Key, c.Value with { Findings = 0, FindingYen = 0 })).Where(c => !c.Value.IsZero)
            .OrderBy(c => c.Key.ServiceMonth).ThenBy(c => c.Key.BillingMonth).ThenBy(c => c.Key.ProviderCode, StringComparer.Ordinal);
}

public class OrderIndependence
{
    /// <summary>Distinct receipts in any order give the same rollup (no receipt key repeats, so order cannot matter).</summary>
    [Property(MaxTest = 100)]
    public bool Distinct_receipts_in_any_order_give_the_same_rollup(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        var receipts = Enumerable.Range(1, 12)
            .Select(i => Receipts.Make(i, 100 + i * (i % 3 == 0 ? 2 : 1), [(100 + i, 1)], service: 202401 + i % 3, days: i % 4 + 1))
            .ToArray();
        var shuffled = receipts.ToArray();
        new Random(seed).Shuffle(shuffled);
        return Cells(receipts).SequenceEqual(Cells(shuffled));
    }

    private static IEnumerable<KeyValuePair<KpiKey, KpiCounters>> Cells(IEnumerable<Receipt> receipts)
    {
        var rollup = new KpiRollup();
        var grain = new HouseholdGrain(Receipts.Card);
        foreach (var r in receipts) grain.Apply(new ReceiptArrived(r), rollup);
        return rollup.Cells().OrderBy(c => c.Key.ServiceMonth);
    }
}

public class KpiScopeTests
{
    private static readonly KpiKey Cell = new(new YearMonth(202110), new YearMonth(202111), "01010016", "0000000");

    [Theory]
    [InlineData(202110, null, null, true)]
    [InlineData(202110, "01010016", null, true)]
    [InlineData(202110, "01010016", "0000000", true)]
    [InlineData(202110, null, "0000000", true)]
    [InlineData(202109, null, null, false)]
    [InlineData(202110, "040014", null, false)]
    [InlineData(202110, "01010016", "0000001", false)]
    public void A_scope_contains_the_cells_of_its_month_insurer_and_provider(int month, string? insurer, string? provider, bool expected) =>
        Assert.Equal(expected, new KpiScope(new YearMonth(month), insurer, provider).Contains(Cell));
}
