using Shinsa.Grains.Records;
using Shinsa.Ingestion.Csv;

namespace Shinsa.Client.Generation;

/// <summary>
/// A month's Shinsa CSV inputs besides eligibility: 特定健診 results (国保 members aged 40–74, about a third of them a
/// year), 傷病届 for some injuries, and 柔道整復 claims (≈ 19.7k a month in Miyagi, DOMAIN.md).
/// </summary>
internal sealed class MonthlyFeeds(Population population)
{
    public sealed record Files(List<Checkup> Checkups, List<ThirdPartyReport> Reports, List<JudoClaim> JudoClaims)
    {
        /// <summary>People whose check-up this month reached a 受診勧奨 level under the starter rules: they see a doctor this month.</summary>
        public HashSet<string> MustVisit { get; } = new(StringComparer.Ordinal);
    }

    private static readonly string[] JudoInjuries = ["S934", "S836", "S134", "S335", "S435"]; // 捻挫 of ankle, knee, neck, lower back, shoulder
    private const double JudoClaimsPerPerson = 19_700.0 / 750_000;
    private int _judoClaimNo;

    /// <summary>The month's check-ups and 柔整 claims (drawn before the claims: a 受診勧奨 result sends the person to a doctor).</summary>
    public Files Generate(YearMonth month, Rng rng)
    {
        var files = new Files([], [], []);
        var days = DateTime.DaysInMonth(month.Year, month.Month);
        _judoClaimNo = 0;
        foreach (var person in population.People)
        {
            if (!person.Active) continue;
            var age = person.AgeAt(month);
            if (person.Scheme == Scheme.Kokuho && age is >= 40 and <= 74 && rng.Chance(0.03) && !person.ReservedIn(month))
            {
                var checkup = Checkup(person, month.Value * 100 + rng.Between(1, days), rng);
                files.Checkups.Add(checkup);
                if (checkup.HbA1c >= 6.5m || checkup.Sbp >= 140 || checkup.Dbp >= 90) files.MustVisit.Add(person.Id);
            }
        }
        // 柔整 patients are drawn as an exact share rather than by a coin per person: at test scale (15k people,
        // ~400 claims) coin flips alone would wander past the ±5% the volume mix allows.
        var active = population.People.Where(p => p.Active).ToList();
        var patients = (int)Math.Round(active.Count * JudoClaimsPerPerson);
        for (var i = 0; i < patients; i++)
        {
            var j = i + rng.Next(active.Count - i);
            (active[i], active[j]) = (active[j], active[i]);
            files.JudoClaims.Add(Judo(active[i], month, days, rng));
        }
        return files;
    }

    /// <summary>傷病届 for the month's injured (every natural injury is reported, so THIRD is clean).</summary>
    public static void Reports(Files files, YearMonth month, Rng rng, IEnumerable<Person> injured)
    {
        var days = DateTime.DaysInMonth(month.Year, month.Month);
        foreach (var person in injured)
            files.Reports.Add(new ThirdPartyReport(person.Card, person.Branch, month.Value * 100 + rng.Between(1, days),
                rng.Chance(0.8) ? "交通事故" : "他人による傷害", 0));
    }

    /// <summary>The claims sorted as the CSV lists them.</summary>
    public static List<JudoClaim> Sorted(IEnumerable<JudoClaim> claims) =>
        claims.OrderBy(j => j.ProviderCode, StringComparer.Ordinal).ThenBy(j => j.ClaimNo).ToList();

    /// <summary>Results around the population means; about one in eight reaches a 受診勧奨 level.</summary>
    private static Checkup Checkup(Person person, int date, Rng rng) =>
        new(person.Card, person.Branch, date,
            HbA1c: Math.Round(5.0m + rng.Between(0, 25) / 10m, 1), FastingGlucose: rng.Chance(0.5) ? rng.Between(80, 140) : null,
            Sbp: rng.Between(100, 160), Dbp: rng.Between(60, 98), Egfr: Math.Round(50m + rng.Between(0, 500) / 10m, 1),
            Ldl: rng.Between(70, 190), Bmi: Math.Round(18m + rng.Between(0, 140) / 10m, 1), Waist: Math.Round(65m + rng.Between(0, 400) / 10m, 1), SourceLine: 0);

    /// <summary>A 柔整 claim; <paramref name="parts"/> and <paramref name="treatmentDays"/> force the 多部位・頻回 shape (an injected JUDO anomaly).</summary>
    internal JudoClaim Judo(Person person, YearMonth month, int days, Rng rng, int? parts = null, int? treatmentDays = null)
    {
        var clinic = $"{5_010_000 + rng.Between(0, Math.Max(1, population.Clinics.Count / 2)) * 29:D7}";
        var visits = rng.Between(2, 12);
        var mask = Enumerable.Range(0, visits).Select(_ => rng.Between(1, days)).Aggregate(0u, (m, d) => m | 1u << (d - 1));
        if (treatmentDays is { } wanted)
            mask = Enumerable.Range(1, days).OrderBy(_ => rng.NextUInt64()).Take(wanted).Aggregate(0u, (m, d) => m | 1u << (d - 1));
        var partCount = parts ?? rng.Weighted<int>([(1, 0.45), (2, 0.35), (3, 0.2)]);
        var cost = (partCount * 800 + System.Numerics.BitOperations.PopCount(mask) * 1_100) / 10 * 10;
        var copay = (cost * person.BurdenPctAt(month) + 50) / 100 / 10 * 10;
        return new JudoClaim(clinic, month.AddMonths(1), ++_judoClaimNo, person.Card, person.Branch, person.BirthDate, person.Sex, month,
            month.AddMonths(-rng.Next(3)).Value * 100 + rng.Between(1, 28), rng.Pick(JudoInjuries), partCount, mask, cost, copay, 0);
    }
}
