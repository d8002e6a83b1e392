using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Client.Generation;

/// <summary>What a generated month holds, for the replay's reconciliation (keys are the KPI summary's).</summary>
public sealed record MonthManifest(string ServiceMonth, string BillingMonth, string EligibilityFile, IReadOnlyList<string> ClaimFiles,
    long Receipts, long Days, long Points, IReadOnlyDictionary<string, long[]> ByInsurer, int EligibilityRows);

public sealed record Manifest(string Preset, int Seed, int Persons, IReadOnlyList<MonthManifest> Months);

/// <summary>
/// Generates a prefecture's months: eligibility CSV (with churn: people leaving, arriving, turning 75 → 後期) and one
/// 医科 UKE file per provider per billing month, plus manifest.json with the totals a replay must reproduce. The same
/// preset, months and seed give byte-identical output.
/// </summary>
public sealed class PrefectureGenerator(Preset preset, int months, int seed, YearMonth firstMonth)
{
    public const string ManifestFile = "manifest.json";
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public Manifest Generate(string outDir, Action<string, double>? progress = null)
    {
        var rng = new Rng((ulong)seed);
        var population = new Population(preset, rng.Fork(1), firstMonth);
        var firstVisits = new HashSet<(string Person, string Provider)>();
        var monthManifests = new List<MonthManifest>();
        for (var i = 0; i < months; i++)
        {
            var month = firstMonth.AddMonths(i);
            var monthRng = rng.Fork(100 + (ulong)i);
            var dir = Path.Combine(outDir, month.ToString());
            Directory.CreateDirectory(Path.Combine(dir, "uke"));

            var eligibility = i == 0 ? Initial(population) : Churn(population, month, monthRng.Fork(1));
            File.WriteAllText(Path.Combine(dir, "eligibility.csv"), eligibility.Csv, new UTF8Encoding(false));

            var receiptsByProvider = Claims(population, month, monthRng.Fork(2), firstVisits);
            var files = new List<string>();
            var byInsurer = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var (provider, receipts) in receiptsByProvider.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var name = $"{month}/uke/{provider}_RECEIPTC.UKE";
                File.WriteAllBytes(Path.Combine(outDir, name),
                    UkeWriter.Write(new(ClaimKind.Medical, provider, Population.PrefectureCode, $"医療機関{provider}", month.AddMonths(1)), receipts));
                files.Add(name);
                foreach (var r in receipts)
                {
                    var t = byInsurer.TryGetValue(r.Card.InsurerNo, out var x) ? x : byInsurer[r.Card.InsurerNo] = new long[3];
                    t[0]++; t[1] += r.Days; t[2] += r.DeclaredPoints;
                }
            }
            monthManifests.Add(new MonthManifest(month.ToString(), month.AddMonths(1).ToString(), $"{month}/eligibility.csv", files,
                byInsurer.Values.Sum(v => v[0]), byInsurer.Values.Sum(v => v[1]), byInsurer.Values.Sum(v => v[2]), byInsurer, eligibility.Rows));
            progress?.Invoke(month.ToString(), (i + 1.0) / months);
        }
        var manifest = new Manifest(preset.Name, seed, population.People.Count, monthManifests);
        File.WriteAllText(Path.Combine(outDir, ManifestFile), JsonSerializer.Serialize(manifest, Json), new UTF8Encoding(false));
        return manifest;
    }

    private const string Header = "event,person_id,household_id,insurer_no,card_symbol,card_number,branch,birth_date,sex,valid_from,valid_to,burden_pct,income_class,system";

    private sealed record EligibilityText(string Csv, int Rows);

    private static string Date(int yyyymmdd) => $"{yyyymmdd / 10000:D4}-{yyyymmdd / 100 % 100:D2}-{yyyymmdd % 100:D2}";

    private static string Row(string kind, Person p, int from, int? to, YearMonth month) =>
        string.Join(',', kind, p.Id, p.HouseholdId, p.Card.InsurerNo, p.Card.Symbol, p.Card.Number, p.Branch, Date(p.BirthDate), p.Sex,
            Date(from), to is { } t ? Date(t) : "", p.BurdenPctAt(month), p.IncomeClassAt(month), p.Scheme == Scheme.Kouki ? "kouki" : "kokuho");

    private EligibilityText Initial(Population population)
    {
        var sb = new StringBuilder(Header).Append('\n');
        var from = firstMonth.AddMonths(-12).Value * 100 + 1;
        foreach (var p in population.People)
        {
            p.ValidFrom = Math.Max(from, p.BirthDate);
            sb.Append(Row("acquire", p, p.ValidFrom, null, firstMonth)).Append('\n');
        }
        return new(sb.ToString(), population.People.Count);
    }

    /// <summary>A month's changes: about 0.3% leave, as many arrive, and those turning 75 move to 後期.</summary>
    private static EligibilityText Churn(Population population, YearMonth month, Rng rng)
    {
        var sb = new StringBuilder(Header).Append('\n');
        var rows = 0;
        var firstDay = month.Value * 100 + 1;
        var lastDayBefore = LastDay(month.AddMonths(-1));
        foreach (var p in population.People.Where(p => p.Active).ToList())
        {
            if (rng.Chance(0.003))
            {
                p.Active = false;
                sb.Append(Row("lose", p, p.ValidFrom, Math.Max(p.ValidFrom, lastDayBefore), month)).Append('\n');
                rows++;
            }
            else if (p.Scheme == Scheme.Kokuho && p.AgeAt(LastDay(month)) >= 75)
            {
                var birthday = (p.BirthDate / 10000 + 75) * 10000 + p.BirthDate % 10000;
                sb.Append(Row("lose", p, p.ValidFrom, Math.Max(p.ValidFrom, PreviousDay(birthday)), month)).Append('\n');
                population.MoveToKouki(p);
                p.ValidFrom = birthday;
                sb.Append(Row("acquire", p, birthday, null, month)).Append('\n');
                rows += 2;
            }
        }
        var arrivals = (int)(population.People.Count * 0.003);
        for (var added = 0; added < arrivals;)
            foreach (var p in population.AddHousehold(rng, month))
            {
                p.ValidFrom = firstDay;
                sb.Append(Row("acquire", p, firstDay, null, month)).Append('\n');
                rows++;
                added++;
            }
        return new(sb.ToString(), rows);
    }

    private static int LastDay(YearMonth m) => m.Value * 100 + DateTime.DaysInMonth(m.Year, m.Month);

    private static int PreviousDay(int yyyymmdd)
    {
        var d = new DateOnly(yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100).AddDays(-1);
        return d.Year * 10000 + d.Month * 100 + d.Day;
    }

    /// <summary>
    /// 医科 receipts of a month: each person visits with an age-dependent probability, most at their home clinic, some
    /// at a second or third provider, a few are admitted to a hospital. Totals are consistent (no TOTAL anomaly).
    /// </summary>
    private Dictionary<string, List<Receipt>> Claims(Population population, YearMonth month, Rng rng, HashSet<(string, string)> firstVisits)
    {
        var byProvider = new Dictionary<string, List<Receipt>>();
        foreach (var person in population.People)
        {
            if (!person.Active) continue;
            var age = person.AgeAt(month);
            var p = age switch { < 15 => 0.7, < 65 => 0.55, < 75 => 0.9, _ => 0.97 };
            if (!rng.Chance(p)) continue;
            var providers = new List<string> { person.HomeClinic };
            if (rng.Chance(0.33)) providers.Add(rng.Pick(population.Clinics));
            if (rng.Chance(0.12)) providers.Add(rng.Pick(population.Clinics));
            var inpatient = rng.Chance(age >= 75 ? 0.04 : 0.012);
            if (inpatient) providers.Add(rng.Pick(population.Hospitals));
            foreach (var provider in providers.Distinct())
            {
                var list = byProvider.TryGetValue(provider, out var l) ? l : byProvider[provider] = new List<Receipt>();
                var isHospitalStay = inpatient && population.Hospitals.Contains(provider);
                list.Add(MakeReceipt(person, provider, month, list.Count + 1, isHospitalStay, rng, firstVisits.Add((person.Id, provider))));
            }
        }
        return byProvider;
    }

    private static Receipt MakeReceipt(Person person, string provider, YearMonth month, int number, bool inpatient, Rng rng, bool firstVisit)
    {
        var days = inpatient ? rng.Between(3, 20) : rng.Weighted<int>([(1, 0.55), (2, 0.25), (3, 0.12), (4, 0.08)]);
        var daysInMonth = DateTime.DaysInMonth(month.Year, month.Month);
        var startDay = rng.Between(1, Math.Max(1, daysInMonth - days * (inpatient ? 1 : 7)));
        var visitDays = Enumerable.Range(0, days).Select(d => Math.Min(daysInMonth, startDay + d * (inpatient ? 1 : 7))).Distinct().ToList();
        uint Mask(IEnumerable<int> ds) => ds.Aggregate(0u, (m, d) => m | 1u << (d - 1));

        var lines = ImmutableArray.CreateBuilder<ServiceLine>();
        void Procedure(ClaimCatalog.Procedure proc, IReadOnlyList<int> on) =>
            lines.Add(new ServiceLine(LineKind.Procedure, proc.Division, proc.Code, null, proc.Points, on.Count, Mask(on)));
        if (inpatient) Procedure(ClaimCatalog.Admission, visitDays);
        else
        {
            Procedure(firstVisit ? ClaimCatalog.FirstVisit : ClaimCatalog.Revisit, firstVisit ? [visitDays[0]] : visitDays);
            if (firstVisit && visitDays.Count > 1) Procedure(ClaimCatalog.Revisit, visitDays.Skip(1).ToList());
            if (rng.Chance(0.5)) Procedure(ClaimCatalog.OutpatientCare, visitDays);
        }
        if (rng.Chance(0.3)) Procedure(ClaimCatalog.UrineTest, [visitDays[0]]);
        if (rng.Chance(0.3)) Procedure(ClaimCatalog.BloodTest, [visitDays[0]]);
        if (!inpatient && rng.Chance(0.55)) Procedure(ClaimCatalog.Prescription, [visitDays[0]]);
        if (inpatient || rng.Chance(0.15))
        {
            var drug = rng.Pick(ClaimCatalog.Drugs);
            var supply = rng.Between(7, 28);
            lines.Add(new ServiceLine(LineKind.Drug, "21", drug.Code, 1m, drug.PointsPerDay, supply, Mask([visitDays[0]])));
        }

        var diagnoses = Enumerable.Range(0, rng.Between(1, 3)).Select(_ => rng.Pick(ClaimCatalog.Diseases)).DistinctBy(d => d.Code)
            .Select((d, i) => new Diagnosis(d.Code, month.AddMonths(-rng.Next(24)).Value * 100 + 1, 1, i == 0)).ToImmutableArray();
        var points = lines.Sum(l => l.Contribution);
        var burden = person.BurdenPctAt(month);
        var age = person.AgeAt(month);
        var typeDigit4 = (age, inpatient) switch
        {
            ( < 6, true) => '3', ( < 6, false) => '4',
            ( >= 70, _) when person.SeventyPlusClass.StartsWith("現役並み") => inpatient ? '9' : '0',
            ( >= 70, true) => '7', ( >= 70, false) => '8',
            (_, true) => '1', _ => '2',
        };
        var type = $"1{(person.Scheme == Scheme.Kouki ? '3' : '1')}1{typeDigit4}";
        return new Receipt(
            new ReceiptKey(provider, month.AddMonths(1), number), ClaimKind.Medical, type, month, person.Card,
            person.Scheme == Scheme.Kokuho ? person.Branch : null, person.Sex, person.BirthDate, "シンサ　タロウ", 100 - burden,
            inpatient ? month.Value * 100 + visitDays[0] : null, null, visitDays.Count, (int)points, points,
            (int)((points * 10 * burden + 500) / 1000 * 10), [], diagnoses, lines.ToImmutable(), 0);
    }
}
