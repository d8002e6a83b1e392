using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Shinsa.Grains.Records;

namespace Shinsa.Client.Generation;

/// <summary>
/// One injected anomaly, as <c>labels.jsonl</c> lists it: the check that must find it, the household card and the
/// eligibility person id, the month the finding belongs to, the receipts it names (sorted by provider, billing month,
/// number) and the yen at stake, all worked out here from what was injected.
/// </summary>
public sealed record AnomalyLabel(
    [property: JsonPropertyName("check")] string Check,
    [property: JsonPropertyName("insurer")] string Insurer,
    [property: JsonPropertyName("card")] string Card,
    [property: JsonPropertyName("person")] string Person,
    [property: JsonPropertyName("service_month")] string ServiceMonth,
    [property: JsonPropertyName("receipts")] IReadOnlyList<string> Receipts,
    [property: JsonPropertyName("yen")] long Yen,
    [property: JsonPropertyName("note")] string Note);

/// <summary>
/// Injects labelled anomalies into a generated month: for every check id of the catalogue but CARE-HOSP (no care claims
/// are generated) about <c>rate</c> × active people a month. Each injection is shaped so that it raises exactly one
/// finding of its check and none of another under the starter rules, on a person who carries no other anomaly that
/// month; its label is computed from the injected records (points × 回数 × 10 yen), not by running the checks.
/// CHK-VISIT and DM-DROP need months to pass: they are injected only where the generated months reach their due month.
/// </summary>
internal sealed class Anomalies(Population population, HashSet<(string Person, string Provider)> firstVisits, double rate, YearMonth lastMonth)
{
    public const int CheckupVisitMonths = 10;
    public const int DiabetesDropMonths = 3;

    private readonly List<AnomalyLabel> _labels = [];
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    // The latest diabetes receipt of each person (by service month, billing month, number): what a DM-DROP finding names.
    private readonly Dictionary<string, (YearMonth Month, ReceiptKey Key)> _lastDiabetes = new(StringComparer.Ordinal);

    public IReadOnlyList<AnomalyLabel> Labels => _labels;

    private int CountFor(Rng rng)
    {
        if (rate <= 0) return 0;
        var expected = rate * population.People.Count(p => p.Active);
        var n = (int)Math.Floor(expected);
        return n + (rng.Chance(expected - n) ? 1 : 0);
    }

    private static string KeyText(ReceiptKey k) => k.ToString();

    private static List<string> Sorted(IEnumerable<ReceiptKey> keys) =>
        keys.Distinct().OrderBy(k => k.ProviderCode, StringComparer.Ordinal).ThenBy(k => k.BillingMonth.Value).ThenBy(k => k.ReceiptNo)
            .Select(KeyText).ToList();

    private void Label(string check, Person person, YearMonth month, IEnumerable<ReceiptKey> receipts, long yen, string note) =>
        _labels.Add(new AnomalyLabel(check, person.Card.InsurerNo, person.Card.Key, person.Id, month.ToString(), Sorted(receipts), yen, note));

    /// <summary>Picks up to <paramref name="count"/> people from <paramref name="candidates"/> (in population order), each once a month.</summary>
    private List<Person> Pick(IEnumerable<Person> candidates, int count, Rng rng)
    {
        var pool = candidates.Where(p => !_used.Contains(p.Id)).ToList();
        var picked = new List<Person>();
        for (var i = 0; i < count && pool.Count > 0; i++)
        {
            var j = rng.Next(pool.Count);
            picked.Add(pool[j]);
            _used.Add(pool[j].Id);
            pool[j] = pool[^1];   // swap-remove: a miyagi month picks thousands from 750k people
            pool.RemoveAt(pool.Count - 1);
        }
        return picked;
    }

    private IEnumerable<Person> Eligible(YearMonth month) => population.People.Where(p => p.Active && !p.ReservedIn(month));

    /// <summary>Before the month's claims: CHK-VISIT (a 受診勧奨 check-up, then no 医科 visit for 10 months) and DM-DROP (a diabetic stops).</summary>
    public List<Checkup> BeforeClaims(YearMonth month, Rng rng)
    {
        _used.Clear();
        var checkups = new List<Checkup>();
        if (rate <= 0) return checkups;
        var days = DateTime.DaysInMonth(month.Year, month.Month);

        // CHK-VISIT: aged 40–72 in 国保 (no move to 後期 inside the window), not diabetic (diabetics see a doctor monthly).
        var checkupCount = CountFor(rng);
        if (month.AddMonths(CheckupVisitMonths) <= lastMonth)
            foreach (var person in Pick(Eligible(month).Where(p => p.Scheme == Scheme.Kokuho && p.AgeAt(month) is >= 40 and <= 72 && !p.Diabetic),
                         checkupCount, rng))
            {
                var end = month.AddMonths(CheckupVisitMonths);
                person.NoMedicalThrough = end;
                var date = month.Value * 100 + rng.Between(1, days);
                var high = rng.Chance(0.5);
                checkups.Add(new Checkup(person.Card, person.Branch, date, HbA1c: high ? 7.4m : 5.6m, FastingGlucose: null,
                    Sbp: high ? 128 : 158, Dbp: high ? 78 : 96, Egfr: 72.5m, Ldl: 120, Bmi: 24.1m, Waist: 84.0m, SourceLine: 0));
                Label("CHK-VISIT", person, end, [], 0, $"check-up {date} at 受診勧奨 ({(high ? "HbA1c 7.4" : "158/96 mmHg")}), no 医科 visit through {end}");
            }

        // DM-DROP: a diabetic whose last diabetes claim was last month stops treatment (stays insured on the same card).
        var dropCount = CountFor(rng);
        var previous = month.AddMonths(-1);
        if (previous.AddMonths(DiabetesDropMonths) <= lastMonth)
            foreach (var person in Pick(Eligible(month).Where(p => p.Diabetic && _lastDiabetes.TryGetValue(p.Id, out var l) && l.Month == previous),
                         dropCount, rng))
            {
                person.Diabetic = false;
                var last = _lastDiabetes[person.Id];
                Label("DM-DROP", person, previous.AddMonths(DiabetesDropMonths), [last.Key], 0,
                    $"diabetic stops: last diabetes claim {last.Key} in {previous}");
            }
        return checkups;
    }

    /// <summary>After the month's claims and feeds: every other check, on the generated records.</summary>
    public void AfterClaims(YearMonth month, Rng rng, MonthlyClaims.Batch batch, MonthlyFeeds feedGenerator, MonthlyFeeds.Files feeds)
    {
        if (rate > 0)
        {
            var days = DateTime.DaysInMonth(month.Year, month.Month);
            var people = Eligible(month).ToList();
            Receipt? OutpatientAtClinic(Person p, Func<Receipt, bool>? also = null) =>
                batch.Of(p).FirstOrDefault(r => r.Kind == ClaimKind.Medical && !r.IsInpatient && (also is null || also(r)));
            bool NoStay(Person p) => !batch.Of(p).Any(r => r.Kind == ClaimKind.Medical && r.IsInpatient);

            // DUP: a second 外来 receipt of the same clinic and month (再診料 on one day, the original's diagnoses).
            foreach (var p in Pick(people.Where(p => OutpatientAtClinic(p) is not null), CountFor(rng), rng))
            {
                var original = OutpatientAtClinic(p)!;
                var day = MonthlyClaims.DaysOf(original.Lines.Aggregate(0u, (m, l) => m | l.DayMask))[0];
                var copy = batch.Add(p, MonthlyClaims.Build(ClaimKind.Medical, p, original.Key.ProviderCode, month,
                    batch.NextNumber(ClaimKind.Medical, original.Key.ProviderCode), false, [day], [MonthlyClaims.Line(ClaimCatalog.Revisit, [day])],
                    original.Diagnoses, null));
                Label("DUP", p, month, [original.Key, copy.Key], copy.DeclaredPoints * 10L, $"{copy.Key} repeats {original.Key}");
            }

            // TOTAL: the declared 合計点数 is off by a few points.
            foreach (var p in Pick(people.Where(p => OutpatientAtClinic(p) is not null), CountFor(rng), rng))
            {
                var r = OutpatientAtClinic(p)!;
                var off = rng.Between(1, 40);
                batch.Replace(r with { DeclaredPoints = r.DeclaredPoints + off });
                Label("TOTAL", p, month, [r.Key], off * 10L, $"declared {off} points more than the lines sum to");
            }

            // ELIG-RATIO: the billed 給付割合 differs from the eligibility burden.
            foreach (var p in Pick(people.Where(p => OutpatientAtClinic(p) is not null), CountFor(rng), rng))
            {
                var r = OutpatientAtClinic(p)!;
                var expected = 100 - p.BurdenPctAt(month);
                var billed = expected == 70 ? 80 : 70;
                batch.Replace(r with { BenefitRatio = billed });
                Label("ELIG-RATIO", p, month, [r.Key], Math.Abs(billed - expected) * r.DeclaredPoints * 10L / 100, $"給付割合 {billed}, eligibility gives {expected}");
            }

            // VERT: 尿一般 twice in the month at one clinic (limit once a month).
            foreach (var p in Pick(people.Where(p => OutpatientAtClinic(p) is not null), CountFor(rng), rng))
            {
                var r = OutpatientAtClinic(p)!;
                var day = MonthlyClaims.DaysOf(r.Lines[0].DayMask)[0];
                var urine = new ServiceLine(LineKind.Procedure, ClaimCatalog.UrineTest.Division, ClaimCatalog.UrineTest.Code, null,
                    ClaimCatalog.UrineTest.Points, 2, MonthlyClaims.Mask([day]));
                batch.Replace(MonthlyClaims.WithLines(r, [.. r.Lines.Where(l => l.Code != ClaimCatalog.UrineTest.Code), urine]));
                Label("VERT", p, month, [r.Key], (2 - 1) * ClaimCatalog.UrineTest.Points * 10L, "尿中一般物質定性半定量検査 twice in a month (limit 1)");
            }

            // VISITS: 15 visit days at one clinic (初診料 stays on its day, 再診料 on every other one).
            foreach (var p in Pick(people.Where(p => OutpatientAtClinic(p) is not null), CountFor(rng), rng))
            {
                var r = OutpatientAtClinic(p)!;
                var had = MonthlyClaims.DaysOf(r.Lines.Aggregate(0u, (m, l) => m | l.DayMask));
                var all = had.Concat(Enumerable.Range(1, days).Except(had).OrderBy(_ => rng.NextUInt64()).Take(15 - had.Count)).Order().ToList();
                var first = r.Lines.FirstOrDefault(l => l.Code == ClaimCatalog.FirstVisit.Code);
                var revisitDays = first is null ? all : all.Where(d => d != MonthlyClaims.DaysOf(first.DayMask)[0]).ToList();
                var lines = r.Lines.Where(l => l.Code != ClaimCatalog.Revisit.Code)
                    .Select(l => l.Code == ClaimCatalog.OutpatientCare.Code ? MonthlyClaims.Line(ClaimCatalog.OutpatientCare, all) : l).ToList();
                lines.Insert(first is null ? 0 : 1, MonthlyClaims.Line(ClaimCatalog.Revisit, revisitDays));
                batch.Replace(MonthlyClaims.WithLines(r, [.. lines], all.Count));
                Label("VISITS", p, month, [r.Key], 0, $"{all.Count} visit days at {r.Key.ProviderCode}");
            }

            // THIRD: an injury on a receipt, and no 傷病届 ever (the person is kept from natural injuries, which are reported).
            foreach (var p in Pick(people.Where(p => !p.Reported && OutpatientAtClinic(p) is not null), CountFor(rng), rng))
            {
                var r = OutpatientAtClinic(p)!;
                p.NoInjuries = true;
                batch.Replace(r with { Diagnoses = r.Diagnoses.Add(new Diagnosis(ClaimCatalog.InjuryCode, month.Value * 100 + 1, 1, false)) });
                Label("THIRD", p, month, [r.Key], r.DeclaredPoints * 10L, "外傷 with no 傷病届");
            }

            // MATCH: metformin dispensed against a prescriber's receipt with no diabetes (a non-diabetic person).
            var metformin = ClaimCatalog.Drugs.Single(d => d.Code == "620432002");
            foreach (var p in Pick(people.Where(p => !p.Diabetic && batch.Of(p).Any(r => r.Kind == ClaimKind.Pharmacy)), CountFor(rng), rng))
            {
                var r = batch.Of(p).First(r => r.Kind == ClaimKind.Pharmacy);
                var supply = rng.Between(7, 28);
                var day = MonthlyClaims.DaysOf(r.Lines[0].DayMask)[0];
                batch.Replace(MonthlyClaims.WithLines(r, r.Lines.Add(MonthlyClaims.DrugLine(metformin, supply, day))));
                var prescriber = batch.Of(p).Where(m => m.Kind is ClaimKind.Medical or ClaimKind.Dental && m.Key.ProviderCode == r.PrescriberCode).Select(m => m.Key);
                Label("MATCH", p, month, [r.Key, .. prescriber], (long)metformin.PointsPerDay * supply * 10, $"{metformin.Code} without a diabetes diagnosis at {r.PrescriberCode}");
            }

            // DRUGS: famotidine from two clinics the person does not otherwise see this month (院内, for a 胃潰瘍 at both).
            var famotidine = ClaimCatalog.Drugs.Single(d => d.Code == "620406001");
            bool FreeOfFamotidine(Person p) => !batch.Of(p).Any(r => r.Lines.Any(l => l.Code is "620406001" or "610406079")
                || (!r.IsInpatient && r.Diagnoses.Any(d => d.Code == ClaimCatalog.StomachUlcerCode)));
            foreach (var p in Pick(people.Where(FreeOfFamotidine), CountFor(rng), rng))
            {
                var seen = batch.Of(p).Select(r => r.Key.ProviderCode).ToHashSet();
                var clinics = population.Clinics.Where(c => !seen.Contains(c)).OrderBy(_ => rng.NextUInt64()).Take(2).ToList();
                var lines = new List<(ReceiptKey Key, long Yen)>();
                foreach (var clinic in clinics)
                {
                    var day = rng.Between(1, days);
                    var supply = rng.Between(7, 28);
                    var r = Visit(batch, p, clinic, month, day, [MonthlyClaims.DrugLine(famotidine, supply, day)], ClaimCatalog.StomachUlcerCode);
                    lines.Add((r.Key, (long)famotidine.PointsPerDay * supply * 10));
                }
                var first = lines.Select(l => l.Key.ProviderCode).Order(StringComparer.Ordinal).First();
                Label("DRUGS", p, month, lines.Select(l => l.Key), lines.Where(l => l.Key.ProviderCode != first).Sum(l => l.Yen),
                    $"famotidine from {string.Join(" and ", clinics)}");
            }

            // HORZ: stays at two hospitals with two overlapping days.
            if (population.Hospitals.Count >= 2)
                foreach (var p in Pick(people.Where(NoStay), CountFor(rng), rng))
                {
                    var hospitals = population.Hospitals.OrderBy(_ => rng.NextUInt64()).Take(2).ToList();
                    var start = rng.Between(1, days - 7);
                    var a = Stay(batch, p, hospitals[0], month, Enumerable.Range(start, 5).ToList(), []);
                    var b = Stay(batch, p, hospitals[1], month, Enumerable.Range(start + 3, 5).ToList(), []);
                    var later = string.CompareOrdinal(a.Key.ProviderCode, b.Key.ProviderCode) < 0 ? b : a;
                    Label("HORZ", p, month, [a.Key, b.Key], later.DeclaredPoints * 10L * 2 / later.Days, $"stays at {hospitals[0]} and {hospitals[1]} overlap 2 days");
                }

            // ROUTE: a 22-day stay with a hip replacement (≥ 70,000 points → 審査専門部会).
            foreach (var p in Pick(people.Where(NoStay), CountFor(rng), rng))
            {
                var start = rng.Between(1, days - 21);
                var stayDays = Enumerable.Range(start, 22).ToList();
                var r = Stay(batch, p, rng.Pick(population.Hospitals), month, stayDays, [MonthlyClaims.Line(ClaimCatalog.HipReplacement, [start + 1])]);
                Label("ROUTE", p, month, [r.Key], r.DeclaredPoints * 10L, $"{r.DeclaredPoints} points → 審査専門部会");
            }

            // JUDO: 3 parts on 15 days in the month.
            foreach (var p in Pick(people, CountFor(rng), rng))
            {
                var claim = feedGenerator.Judo(p, month, days, rng, parts: 3, treatmentDays: 15);
                claim = claim with { ClaimNo = feeds.JudoClaims.Count == 0 ? 1 : feeds.JudoClaims.Max(j => j.ClaimNo) + 1 };
                feeds.JudoClaims.Add(claim);
                Label("JUDO", p, month, [new ReceiptKey(claim.ProviderCode, claim.BillingMonth, claim.ClaimNo)], claim.CostYen, "3 parts, 15 treatment days");
            }

            // ELIG-NONE: a receipt for someone who left (資格喪失後受診).
            foreach (var p in Pick(population.People.Where(p => !p.Active), CountFor(rng), rng))
            {
                var day = rng.Between(1, days);
                var r = Visit(batch, p, p.HomeClinic, month, day, [], ClaimCatalog.ColdCode);
                Label("ELIG-NONE", p, month, [r.Key], r.DeclaredPoints * 10L, $"{p.Card.Key} lost before {month}");
            }
        }

        // The latest diabetes receipt of everyone, for next months' DM-DROP injections.
        foreach (var ((kind, _), receipts) in batch.ByProvider)
        {
            if (kind != ClaimKind.Medical) continue;
            foreach (var r in receipts)
            {
                if (!r.Diagnoses.Any(d => d.Code == ClaimCatalog.DiabetesCode)) continue;
                var person = batch.Owners[r.Key];
                if (!_lastDiabetes.TryGetValue(person, out var last) || (r.ServiceMonth.Value, r.Key.BillingMonth.Value, r.Key.ReceiptNo)
                        .CompareTo((last.Month.Value, last.Key.BillingMonth.Value, last.Key.ReceiptNo)) > 0)
                    _lastDiabetes[person] = (r.ServiceMonth, r.Key);
            }
        }
    }

    /// <summary>
    /// The month's 介護給付費 (most care recipients use a service every month, on days outside any 医科 stay, so CARE-HOSP
    /// is clean) and the CARE-HOSP anomalies: a 5-day stay whose last two days the care claim also bills.
    /// </summary>
    public List<CareClaim> Care(YearMonth month, Rng rng, MonthlyClaims.Batch batch)
    {
        var claims = new List<CareClaim>();
        var days = DateTime.DaysInMonth(month.Year, month.Month);
        var recipients = population.People.Where(p => p.Active && p.CareInsuredNo is not null).ToList();
        var injected = new Dictionary<string, (Receipt Stay, List<int> Days)>(StringComparer.Ordinal);
        var count = CountFor(rng);
        if (population.Hospitals.Count > 0)
            foreach (var p in Pick(recipients.Where(p => !p.ReservedIn(month) && !batch.Of(p).Any(r => r.Kind == ClaimKind.Medical && r.IsInpatient)), count, rng))
            {
                var start = rng.Between(1, days - 5);
                var stay = Stay(batch, p, rng.Pick(population.Hospitals), month, Enumerable.Range(start, 5).ToList(), []);
                injected[p.Id] = (stay, [start + 3, start + 4]);
            }
        foreach (var p in recipients)
        {
            var inside = injected.TryGetValue(p.Id, out var anomaly);
            if (!rng.Chance(0.9) && !inside) continue;
            var stayDays = batch.Of(p).Where(r => r.Kind == ClaimKind.Medical && r.IsInpatient).Aggregate(0u, (m, r) => r.Lines.Aggregate(m, (n, l) => n | l.DayMask));
            var chosen = Enumerable.Range(1, days).Where(d => (stayDays & 1u << (d - 1)) == 0).OrderBy(_ => rng.NextUInt64()).Take(rng.Between(4, 12)).ToList();
            if (inside) chosen.AddRange(anomaly.Days);
            if (chosen.Count == 0) continue;
            var type = rng.Chance(0.5) ? "11" : "15";   // 訪問介護, 通所介護
            var units = rng.Between(200, 1_500) * 10;
            var price = type == "11" ? 10.42m : 10.27m;  // 単位数単価 of a 6級地
            var pct = p.BurdenPctAt(month) switch { 30 => 70, 20 => 80, _ => 90 };
            var total = (long)Math.Floor(units * price);
            var benefit = total * pct / 100;
            claims.Add(new CareClaim(p.CareInsurer!, p.CareInsuredNo!, rng.Pick(population.CareProviders), month, type, MonthlyClaims.Mask(chosen),
                units, price, pct, (int)(total - benefit), 0));
            if (inside)
                Label("CARE-HOSP", p, month, [anomaly.Stay.Key], benefit * anomaly.Days.Count / chosen.Count,
                    $"care days {string.Join(",", anomaly.Days)} inside the stay {anomaly.Stay.Key}");
        }
        return claims;
    }

    /// <summary>An outpatient visit on one day (初診料 at a first visit, else 再診料) with extra lines and one diagnosis.</summary>
    private Receipt Visit(MonthlyClaims.Batch batch, Person p, string clinic, YearMonth month, int day, IEnumerable<ServiceLine> extra, string disease)
    {
        var first = firstVisits.Add((p.Id, clinic));
        return batch.Add(p, MonthlyClaims.Build(ClaimKind.Medical, p, clinic, month, batch.NextNumber(ClaimKind.Medical, clinic), false, [day],
            [MonthlyClaims.Line(first ? ClaimCatalog.FirstVisit : ClaimCatalog.Revisit, [day]), .. extra],
            [new Diagnosis(disease, month.Value * 100 + day, 1, true)], null));
    }

    private static Receipt Stay(MonthlyClaims.Batch batch, Person p, string hospital, YearMonth month, List<int> days, IEnumerable<ServiceLine> extra) =>
        batch.Add(p, MonthlyClaims.Build(ClaimKind.Medical, p, hospital, month, batch.NextNumber(ClaimKind.Medical, hospital), true, days,
            [MonthlyClaims.Line(ClaimCatalog.Admission, days), .. extra], [new Diagnosis(ClaimCatalog.StomachUlcerCode, month.Value * 100 + days[0], 1, true)], null));
}
