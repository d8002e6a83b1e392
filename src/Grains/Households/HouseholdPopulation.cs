using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Households;

/// <summary>
/// What a household adds to the insured populations: 被保険者数 by month (受診率, 一人当たり医療費) and the 特定健診
/// targets and examinees by fiscal year (特定健診受診率). A pure function of its eligibility rows and check-ups, so
/// the grain moves the shard's measures from this function's value before a record to its value after.
/// 介護 cards are not medical insurance and are left out.
/// </summary>
public static class HouseholdPopulation
{
    public static HouseholdMeasures Of(IReadOnlyCollection<EligibilityEvent> eligibility, IEnumerable<Checkup> checkups)
    {
        var measures = new HouseholdMeasures();
        var medical = eligibility.Where(e => e.System != InsuranceSystem.Kaigo).ToList();
        var targets = new HashSet<(string Person, int FiscalYear)>();
        foreach (var person in medical.GroupBy(e => e.PersonId, StringComparer.Ordinal))
        {
            var periods = HouseholdFacts.CoveredPeriods(person.ToList());
            AddInsuredMonths(measures, periods);
            // Rows of one person agree on the birth date; the smallest is taken so the answer never depends on row order.
            AddTargetYears(measures, periods, person.Min(e => e.BirthDate), person.Key, targets);
        }
        var examinees = new HashSet<(string Person, int FiscalYear)>();
        foreach (var c in checkups)
        {
            var person = medical.Where(e => e.Branch == c.Branch).Select(e => e.PersonId).Order(StringComparer.Ordinal).FirstOrDefault();
            if (person is not null && targets.Contains((person, FiscalYear(c.ExamDate)))) examinees.Add((person, FiscalYear(c.ExamDate)));
        }
        foreach (var (_, year) in examinees) measures.Add(Measure.CheckupExaminees, "", FiscalYearEnd(year));
        return measures;
    }

    /// <summary>年度: April to March, named by the year it starts in.</summary>
    public static int FiscalYear(int date) => date / 100 % 100 >= 4 ? date / 10000 : date / 10000 - 1;

    public static int FiscalYear(YearMonth month) => month.Month >= 4 ? month.Year : month.Year - 1;

    /// <summary>The March that ends fiscal year <paramref name="year"/>: the month its 特定健診 measures are keyed by.</summary>
    public static YearMonth FiscalYearEnd(int year) => new((year + 1) * 100 + 3);

    // A month counts when any day of it is covered; periods that leave no month uncovered between them are one run.
    private static void AddInsuredMonths(HouseholdMeasures measures, List<(int From, int? To)> periods)
    {
        var runs = new List<(YearMonth First, YearMonth? Last)>();
        foreach (var (from, to) in periods)
        {
            var first = new YearMonth(from / 100);
            YearMonth? last = to is { } t ? new YearMonth(t / 100) : null;
            if (runs.Count > 0 && runs[^1].Last is { } previous && first <= previous.AddMonths(1))
                runs[^1] = (runs[^1].First, last is { } l && l < previous ? previous : last);
            else
                runs.Add((first, last));
        }
        foreach (var (first, last) in runs)
        {
            measures.Add(Measure.InsuredChange, "", first, +1);
            if (last is { } l) measures.Add(Measure.InsuredChange, "", l.AddMonths(1), -1);
        }
    }

    // 特定健診 対象者 (as the 法定報告 counts them): insured from 1 April to 31 March with no change in between, and 40 to
    // 74 years old on 31 March.
    private static void AddTargetYears(HouseholdMeasures measures, List<(int From, int? To)> periods, int birthDate, string person,
        HashSet<(string, int)> targets)
    {
        var birthYear = birthDate / 10000;
        foreach (var (from, to) in periods)
        {
            var first = from % 10000 <= 401 ? from / 10000 : from / 10000 + 1;              // first April 1 covered
            var last = to is { } t ? (t % 10000 >= 331 ? t / 10000 - 1 : t / 10000 - 2) : int.MaxValue; // last year ending covered
            // Ages 40 to 74 lie within these years whatever the birthday: no need to walk an open-ended period further.
            var upper = Math.Min(last, birthYear + 75);
            int? runStart = null;
            for (var year = Math.Max(first, birthYear + 38); year <= upper; year++)
            {
                var age = ((year + 1) * 10000 + 331 - birthDate) / 10000;
                var target = age is >= 40 and <= 74;
                if (target)
                {
                    targets.Add((person, year));
                    runStart ??= year;
                }
                if (runStart is { } start && (!target || year == upper))
                {
                    var end = target ? year : year - 1;
                    measures.Add(Measure.CheckupTargetChange, "", FiscalYearEnd(start), +1);
                    measures.Add(Measure.CheckupTargetChange, "", FiscalYearEnd(end + 1), -1);
                    runStart = null;
                }
            }
        }
    }
}
