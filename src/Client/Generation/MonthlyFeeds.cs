using Shinsa.Grains.Records;
using Shinsa.Ingestion.Csv;

namespace Shinsa.Client.Generation;

/// <summary>
/// A month's Shinsa CSV inputs besides eligibility: 特定健診 results (国保 members aged 40–74, about a third of them a
/// year), 傷病届 for some injuries, and 柔道整復 claims (≈ 19.7k a month in Miyagi, DOMAIN.md).
/// </summary>
internal sealed class MonthlyFeeds(Population population)
{
    public sealed record Files(IReadOnlyList<Checkup> Checkups, IReadOnlyList<ThirdPartyReport> Reports, IReadOnlyList<JudoClaim> JudoClaims);

    private static readonly string[] JudoInjuries = ["S934", "S836", "S134", "S335", "S435"]; // 捻挫 of ankle, knee, neck, lower back, shoulder
    private const double JudoClaimsPerPerson = 19_700.0 / 750_000;
    private int _judoClaimNo;

    public Files Generate(YearMonth month, Rng rng)
    {
        var checkups = new List<Checkup>();
        var reports = new List<ThirdPartyReport>();
        var judo = new List<JudoClaim>();
        var days = DateTime.DaysInMonth(month.Year, month.Month);
        _judoClaimNo = 0;
        foreach (var person in population.People)
        {
            if (!person.Active) continue;
            var age = person.AgeAt(month);
            if (person.Scheme == Scheme.Kokuho && age is >= 40 and <= 74 && rng.Chance(0.03))
                checkups.Add(Checkup(person, month.Value * 100 + rng.Between(1, days), rng));
            if (rng.Chance(0.0003))
                reports.Add(new ThirdPartyReport(person.Card, person.Branch, month.Value * 100 + rng.Between(1, days),
                    rng.Chance(0.8) ? "交通事故" : "他人による傷害", 0));
        }
        // 柔整 patients are drawn as an exact share rather than by a coin per person: at test scale (15k people,
        // ~400 claims) coin flips alone would wander past the ±5% the volume mix allows.
        var active = population.People.Where(p => p.Active).ToList();
        var patients = (int)Math.Round(active.Count * JudoClaimsPerPerson);
        for (var i = 0; i < patients; i++)
        {
            var j = i + rng.Next(active.Count - i);
            (active[i], active[j]) = (active[j], active[i]);
            judo.Add(Judo(active[i], month, days, rng));
        }
        return new Files(checkups, reports, judo.OrderBy(j => j.ProviderCode, StringComparer.Ordinal).ThenBy(j => j.ClaimNo).ToList());
    }

    /// <summary>Results around the population means; about one in eight reaches a 受診勧奨 level.</summary>
    private static Checkup Checkup(Person person, int date, Rng rng) =>
        new(person.Card, person.Branch, date,
            HbA1c: Math.Round(5.0m + rng.Between(0, 25) / 10m, 1), FastingGlucose: rng.Chance(0.5) ? rng.Between(80, 140) : null,
            Sbp: rng.Between(100, 160), Dbp: rng.Between(60, 98), Egfr: Math.Round(50m + rng.Between(0, 500) / 10m, 1),
            Ldl: rng.Between(70, 190), Bmi: Math.Round(18m + rng.Between(0, 140) / 10m, 1), Waist: Math.Round(65m + rng.Between(0, 400) / 10m, 1), SourceLine: 0);

    private JudoClaim Judo(Person person, YearMonth month, int days, Rng rng)
    {
        var clinic = $"{5_010_000 + rng.Between(0, Math.Max(1, population.Clinics.Count / 2)) * 29:D7}";
        var visits = rng.Between(2, 12);
        var mask = Enumerable.Range(0, visits).Select(_ => rng.Between(1, days)).Aggregate(0u, (m, d) => m | 1u << (d - 1));
        var parts = rng.Weighted<int>([(1, 0.45), (2, 0.35), (3, 0.2)]);
        var cost = (parts * 800 + System.Numerics.BitOperations.PopCount(mask) * 1_100) / 10 * 10;
        var copay = (cost * person.BurdenPctAt(month) + 50) / 100 / 10 * 10;
        return new JudoClaim(clinic, month.AddMonths(1), ++_judoClaimNo, person.Card, person.Branch, person.BirthDate, person.Sex, month,
            month.AddMonths(-rng.Next(3)).Value * 100 + rng.Between(1, 28), rng.Pick(JudoInjuries), parts, mask, cost, copay, 0);
    }
}
