using FsCheck;
using FsCheck.Xunit;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Tests;

/// <summary>
/// The cells are kept by month so that a sum reads only the months it asks for: that narrowing must never change a
/// sum, whatever cells came and went before it.
/// </summary>
public class CellRollupTests
{
    private static readonly YearMonth First = new(202310);

    /// <summary>A KPI cell over 6 service months, billed 0–2 months later (or, rarely, before: the data decides).</summary>
    private static KpiKey RandomKey(Random random)
    {
        var service = First.AddMonths(random.Next(6));
        return new KpiKey(service, service.AddMonths(random.Next(-1, 3)), $"04001{random.Next(3)}", $"P{random.Next(4)}");
    }

    private static IEnumerable<Months> Queries()
    {
        yield return Months.All;
        for (var i = -1; i < 9; i++)
        {
            var month = First.AddMonths(i);
            yield return Months.In(month);
            yield return Months.Through(month);
            yield return Months.BilledIn(month);
            yield return new Months(month, month.AddMonths(2));
            yield return new Months(month, month.AddMonths(2), Billed: true);
        }
    }

    /// <summary>What a walk of every cell gives for <paramref name="months"/>: the definition the index must keep.</summary>
    private static KpiCounters Walk(KpiRollup rollup, Months months, Func<KpiKey, bool> filter)
    {
        var total = default(KpiCounters);
        foreach (var (key, value) in rollup.Cells())
            if (months.Contains(months.Billed ? key.BillingMonth : key.ServiceMonth) && filter(key)) total += value;
        return total;
    }

    [Property(MaxTest = 200)]
    public bool A_sum_over_some_months_equals_the_walk_of_every_cell_after_cells_came_and_went(DoNotSize<int> anySeed)
    {
        var random = new Random(anySeed.Item);
        var rollup = new KpiRollup();
        var added = new List<(KpiKey Key, KpiCounters Value)>();
        for (var step = 0; step < 60; step++)
        {
            // Mostly additions; a third take back an earlier addition, so cells (and a month's last cell) go away.
            if (added.Count > 0 && random.Next(3) == 0)
            {
                var i = random.Next(added.Count);
                rollup.Add(added[i].Key, -added[i].Value);
                added.RemoveAt(i);
            }
            else
            {
                var entry = (RandomKey(random), new KpiCounters(1, random.Next(1, 9), random.Next(1, 900), 0, 0, 0));
                rollup.Add(entry.Item1, entry.Item2);
                added.Add(entry);
            }
        }
        Func<KpiKey, bool>[] filters = [_ => true, k => k.InsurerNo == "040011", k => k.ProviderCode == "P2"];
        return Queries().All(months => filters.All(filter => rollup.Sum(months, filter) == Walk(rollup, months, filter)))
            && rollup.Sum(Months.All, _ => true) == added.Aggregate(default(KpiCounters), (sum, a) => sum + a.Value);
    }

    [Fact]
    public void Sums_by_month_and_by_billing_month_by_hand()
    {
        var rollup = new KpiRollup();
        var october = new YearMonth(202310);
        var november = new YearMonth(202311);
        rollup.Add(new KpiKey(october, november, "040014", "P1"), new KpiCounters(2, 3, 100, 1000, 0, 0));
        rollup.Add(new KpiKey(october, october.AddMonths(2), "040014", "P1"), new KpiCounters(1, 1, 50, 500, 0, 0));
        rollup.Add(new KpiKey(november, november.AddMonths(1), "040022", "P2"), new KpiCounters(4, 4, 10, 100, 0, 0));

        Assert.Equal(3, rollup.Sum(Months.In(october), _ => true).Receipts);
        Assert.Equal(4, rollup.Sum(Months.In(november), _ => true).Receipts);
        Assert.Equal(2, rollup.Sum(Months.BilledIn(november), _ => true).Receipts);
        Assert.Equal(5, rollup.Sum(Months.BilledIn(november.AddMonths(1)), _ => true).Receipts);
        Assert.Equal(7, rollup.Sum(Months.Through(november), _ => true).Receipts);
        Assert.Equal(0, rollup.Sum(Months.Through(october.AddMonths(-1)), _ => true).Receipts);

        // The late bill of October taken back: December's bills are November's only, and the months still answer.
        rollup.Add(new KpiKey(october, october.AddMonths(2), "040014", "P1"), -new KpiCounters(1, 1, 50, 500, 0, 0));
        Assert.Equal(4, rollup.Sum(Months.BilledIn(november.AddMonths(1)), _ => true).Receipts);
        Assert.Equal(2, rollup.Sum(Months.In(october), _ => true).Receipts);
        var byInsurer = new Dictionary<string, KpiCounters>();
        rollup.SumInto(Months.All, _ => true, k => k.InsurerNo, byInsurer);
        Assert.Equal([("040014", 2L), ("040022", 4L)], byInsurer.OrderBy(i => i.Key).Select(i => (i.Key, i.Value.Receipts)));
    }
}
