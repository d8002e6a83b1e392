using Shinsa.Grains.Records;
using Shinsa.Grains.Review;

namespace Shinsa.Grains.Tests;

/// <summary>
/// Which eligibility row is in force on a day, and a month's first covered day, against the rules stated the plain way:
/// the rows are read afresh for every day of the month. Random feeds mix acquisitions, changes and losses, open and
/// closed periods, rows starting the same day, and periods that end before they start (real feeds have them). Each
/// property runs over 20,000 seeds (FsCheck's own integers span a few hundred values only).
/// </summary>
public class EligibilityCoverageProperties
{
    private static readonly HouseholdCard Card = new("040014", "12", "345");

    /// <summary>The rule, the plain way: the latest acquire/change row started by the date wins (change over acquire on
    /// the same day, then the burden and income class; the first row given among equal ones), unless it ended, or a loss
    /// ended the period before the date.</summary>
    private static EligibilityEvent? InForceByTheRule(IReadOnlyList<EligibilityEvent> rows, int date)
    {
        var current = rows.Where(r => r.Kind != EligibilityEventKind.Lose && r.ValidFrom <= date)
            .OrderByDescending(r => r.ValidFrom).ThenByDescending(r => r.Kind).ThenByDescending(r => r.BurdenPct)
            .ThenByDescending(r => r.IncomeClass, StringComparer.Ordinal)
            .FirstOrDefault();
        if (current is null || current.ValidTo < date) return null;
        return rows.Any(l => l.Kind == EligibilityEventKind.Lose && l.ValidTo < date && l.ValidTo >= current.ValidFrom) ? null : current;
    }

    private static List<EligibilityEvent> Rows(int seed, YearMonth month)
    {
        var random = new Random(seed);
        var monthStart = new DateOnly(month.Year, month.Month, 1);
        int Around() => Date(monthStart.AddDays(random.Next(-20, 40)));
        return Enumerable.Range(0, random.Next(0, 6)).Select(i =>
        {
            var from = Around();
            int? to = random.Next(4) switch { 0 => null, 1 => Around(), _ => Math.Max(from, Around()) };
            return new EligibilityEvent((EligibilityEventKind)random.Next(1, 4), "P1", "H1", Card, "01", 19800101, 1, from, to,
                new[] { 10, 20, 30 }[random.Next(3)], random.Next(2) == 0 ? "ア" : "イ", InsuranceSystem.Kokuho, i + 1);
        }).ToList();
    }

    private static int Date(DateOnly d) => d.Year * 10000 + d.Month * 100 + d.Day;

    private const int Seeds = 20_000;

    private static void ForEverySeed(Func<int, YearMonth, List<EligibilityEvent>, bool> holds)
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var month = new YearMonth(2024 * 100 + 1 + seed % 12);
            var rows = Rows(seed, month);
            Assert.True(holds(seed, month, rows), $"seed {seed}, {month}: " + string.Join("; ", rows.Select(r => $"{r.Kind} {r.ValidFrom}-{r.ValidTo} {r.BurdenPct}% {r.IncomeClass}")));
        }
    }

    [Fact]
    public void The_row_in_force_on_each_day_follows_the_rule() => ForEverySeed((_, month, rows) =>
        Enumerable.Range(1, DateTime.DaysInMonth(month.Year, month.Month))
            .All(day => ReferenceEquals(HouseholdFacts.InForce(rows, month.Value * 100 + day), InForceByTheRule(rows, month.Value * 100 + day))));

    [Fact]
    public void The_first_covered_day_is_the_first_day_a_row_is_in_force() => ForEverySeed((_, month, rows) =>
    {
        var expectedDay = Enumerable.Range(1, DateTime.DaysInMonth(month.Year, month.Month))
            .FirstOrDefault(day => InForceByTheRule(rows, month.Value * 100 + day) is not null);
        var expectedRow = expectedDay == 0 ? null : InForceByTheRule(rows, month.Value * 100 + expectedDay);
        // Asked with the rows as a list and as a lazy sequence (how the checks pass a person's rows).
        var row = HouseholdFacts.FirstCoveredDay(rows, month, out var day);
        var lazyRow = HouseholdFacts.FirstCoveredDay(rows.Where(_ => true), month, out var lazyDay);
        return day == expectedDay && ReferenceEquals(row, expectedRow) && lazyDay == expectedDay && ReferenceEquals(lazyRow, expectedRow);
    });
}
