using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Csv;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Client.Generation;

/// <summary>What a generated month holds, for the replay's reconciliation (keys are the KPI summary's).</summary>
public sealed record MonthManifest(string ServiceMonth, string BillingMonth, string EligibilityFile, IReadOnlyList<string> ClaimFiles,
    long Receipts, long Days, long Points, IReadOnlyDictionary<string, long[]> ByInsurer, int EligibilityRows,
    IReadOnlyDictionary<string, long> ReceiptsByKind, IReadOnlyDictionary<string, int> FeedRows,
    IReadOnlyDictionary<string, long[]>? Decided = null)
{
    /// <summary>The month's Shinsa CSVs besides eligibility (check-ups, 傷病届, 柔整, care claims, review decisions).</summary>
    public IReadOnlyList<string> FeedFiles => FeedRows.Keys.ToList();

    /// <summary>
    /// What the KPI summary of this service month (and insurer) shows after the review decisions of every generated
    /// month: [receipts, days, points] of the files less the returned receipts and the points cut.
    /// </summary>
    public long[] Expected(string? insurer = null)
    {
        var files = insurer is null ? [Receipts, Days, Points] : ByInsurer[insurer];
        var decided = Decided is null ? [0, 0, 0]
            : insurer is null ? [Decided.Values.Sum(d => d[0]), Decided.Values.Sum(d => d[1]), Decided.Values.Sum(d => d[2])]
            : Decided.GetValueOrDefault(insurer) ?? [0, 0, 0];
        return [files[0] - decided[0], files[1] - decided[1], files[2] - decided[2]];
    }
}

public sealed record Manifest(string Preset, int Seed, int Persons, IReadOnlyList<MonthManifest> Months);

/// <summary>
/// Generates a prefecture's months: eligibility CSV (with churn: people leaving, arriving, turning 75 → 後期) and one
/// UKE file per provider per billing month (医科, 歯科, 調剤, 訪問看護; see <see cref="MonthlyClaims"/>), plus manifest.json with the totals a replay must reproduce. The same
/// preset, months and seed give byte-identical output.
/// </summary>
public sealed class PrefectureGenerator(Preset preset, int months, int seed, YearMonth firstMonth, double anomalyRate = 0)
{
    public const string ManifestFile = "manifest.json";
    public const string LabelsFile = "labels.jsonl";
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    /// <summary>labels.jsonl: one compact line per label, Japanese as is.</summary>
    public static readonly JsonSerializerOptions LabelJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<AnomalyLabel> ReadLabels(string directory) =>
        File.ReadAllLines(Path.Combine(directory, LabelsFile)).Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<AnomalyLabel>(l, LabelJson) ?? throw new InvalidDataException($"{LabelsFile}: empty line")).ToList();

    public Manifest Generate(string outDir, Action<string, double>? progress = null)
    {
        var rng = new Rng((ulong)seed);
        var population = new Population(preset, rng.Fork(1), firstMonth);
        var firstVisits = new HashSet<(string Person, string Provider)>();
        var feedGenerator = new MonthlyFeeds(population);
        var anomalies = new Anomalies(population, firstVisits, anomalyRate, firstMonth.AddMonths(months - 1));
        var decisionGenerator = new MonthlyDecisions(population);
        var monthManifests = new List<MonthManifest>();
        for (var i = 0; i < months; i++)
        {
            var month = firstMonth.AddMonths(i);
            var monthRng = rng.Fork(100 + (ulong)i);
            var dir = Path.Combine(outDir, month.ToString());
            Directory.CreateDirectory(Path.Combine(dir, "uke"));

            var eligibility = i == 0 ? Initial(population) : Churn(population, month, monthRng.Fork(1));
            File.WriteAllText(Path.Combine(dir, "eligibility.csv"), eligibility.Csv, new UTF8Encoding(false));

            var injectedCheckups = anomalies.BeforeClaims(month, monthRng.Fork(4));
            var feeds = feedGenerator.Generate(month, monthRng.Fork(3));
            feeds.Checkups.AddRange(injectedCheckups);
            var claims = new MonthlyClaims(population, firstVisits).Generate(month, monthRng.Fork(2), feeds.MustVisit);
            MonthlyFeeds.Reports(feeds, month, monthRng.Fork(5), claims.Injured);
            anomalies.AfterClaims(month, monthRng.Fork(6), claims, feedGenerator, feeds);
            var care = anomalies.Care(month, monthRng.Fork(7), claims);
            var decisions = decisionGenerator.Generate(month, monthRng.Fork(8), claims,
                anomalies.Labels.SelectMany(l => l.Receipts).ToHashSet(StringComparer.Ordinal));
            var feedRows = new SortedDictionary<string, int>(StringComparer.Ordinal);
            void Feed(string name, byte[] bytes, int rows)
            {
                File.WriteAllBytes(Path.Combine(outDir, month.ToString(), name), bytes);
                feedRows[$"{month}/{name}"] = rows;
            }
            Feed("checkups.csv", CheckupCsv.Write(feeds.Checkups), feeds.Checkups.Count);
            Feed("third_party_reports.csv", ThirdPartyReportCsv.Write(feeds.Reports), feeds.Reports.Count);
            Feed("judo_claims.csv", JudoClaimCsv.Write(MonthlyFeeds.Sorted(feeds.JudoClaims)), feeds.JudoClaims.Count);
            Feed("care_claims.csv", CareClaimCsv.Write(care), care.Count);
            Feed("decisions.csv", DecisionCsv.Write(decisions), decisions.Count);
            var files = new List<string>();
            var byInsurer = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
            var byKind = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var ((kind, provider), receipts) in claims.ByProvider)
            {
                var name = $"{month}/uke/{provider}_{FileNameOf(kind)}";
                File.WriteAllBytes(Path.Combine(outDir, name),
                    UkeWriter.Write(new(kind, provider, Population.PrefectureCode, $"{UkeLayout.For(kind).Name}{provider}", month.AddMonths(1)), receipts));
                files.Add(name);
                byKind[KindName(kind)] = byKind.GetValueOrDefault(KindName(kind)) + receipts.Count;
                foreach (var r in receipts)
                {
                    var t = byInsurer.TryGetValue(r.Card.InsurerNo, out var x) ? x : byInsurer[r.Card.InsurerNo] = new long[3];
                    t[0]++; t[1] += r.Days; t[2] += r.DeclaredPoints;
                }
            }
            monthManifests.Add(new MonthManifest(month.ToString(), month.AddMonths(1).ToString(), $"{month}/eligibility.csv", files,
                byInsurer.Values.Sum(v => v[0]), byInsurer.Values.Sum(v => v[1]), byInsurer.Values.Sum(v => v[2]), byInsurer, eligibility.Rows, byKind, feedRows));
            progress?.Invoke(month.ToString(), (i + 1.0) / months);
        }
        // labels.jsonl: one line per injected anomaly (written, empty, at rate 0 too: "no anomalies" is a label set as well).
        var labels = new StringBuilder();
        foreach (var label in anomalies.Labels) labels.Append(JsonSerializer.Serialize(label, LabelJson)).Append('\n');
        File.WriteAllText(Path.Combine(outDir, LabelsFile), labels.ToString(), new UTF8Encoding(false));
        var manifest = new Manifest(preset.Name, seed, population.People.Count,
            monthManifests.Select(m => m with { Decided = decisionGenerator.Decided(m.ServiceMonth) }).ToList());
        File.WriteAllText(Path.Combine(outDir, ManifestFile), JsonSerializer.Serialize(manifest, Json), new UTF8Encoding(false));
        return manifest;
    }

    /// <summary>The names providers' systems give the files: 医科・歯科 RECEIPTC, 調剤 RECEIPTY, 訪問看護 RECEIPTH.</summary>
    private static string FileNameOf(ClaimKind kind) => kind switch
    {
        ClaimKind.Pharmacy => "RECEIPTY.UKE",
        ClaimKind.VisitingNursing => "RECEIPTH.UKE",
        _ => "RECEIPTC.UKE",
    };

    /// <summary>The manifest's key for a kind (English, stable).</summary>
    public static string KindName(ClaimKind kind) => kind.ToString().ToLowerInvariant();

    private const string Header = "event,person_id,household_id,insurer_no,card_symbol,card_number,branch,birth_date,sex,valid_from,valid_to,burden_pct,income_class,system";

    private sealed record EligibilityText(string Csv, int Rows);

    private static string Date(int yyyymmdd) => $"{yyyymmdd / 10000:D4}-{yyyymmdd / 100 % 100:D2}-{yyyymmdd % 100:D2}";

    private static string Row(string kind, Person p, int from, int? to, YearMonth month) =>
        string.Join(',', kind, p.Id, p.HouseholdId, p.Card.InsurerNo, p.Card.Symbol, p.Card.Number, p.Branch, Date(p.BirthDate), p.Sex,
            Date(from), to is { } t ? Date(t) : "", p.BurdenPctAt(month), p.IncomeClassAt(month), p.Scheme == Scheme.Kouki ? "kouki" : "kokuho");

    /// <summary>The 介護 card row of a care recipient: maps the care card (insurer, 被保険者番号) to the person.</summary>
    private static string CareRow(string kind, Person p, int from, int? to, YearMonth month) =>
        string.Join(',', kind, p.Id, p.HouseholdId, p.CareInsurer, "", p.CareInsuredNo, "", Date(p.BirthDate), p.Sex,
            Date(from), to is { } t ? Date(t) : "", p.BurdenPctAt(month), p.IncomeClassAt(month), "kaigo");

    private EligibilityText Initial(Population population)
    {
        var sb = new StringBuilder(Header).Append('\n');
        var from = firstMonth.AddMonths(-12).Value * 100 + 1;
        var rows = 0;
        foreach (var p in population.People)
        {
            p.ValidFrom = Math.Max(from, p.BirthDate);
            sb.Append(Row("acquire", p, p.ValidFrom, null, firstMonth)).Append('\n');
            rows++;
            if (p.CareInsuredNo is null) continue;
            sb.Append(CareRow("acquire", p, p.ValidFrom, null, firstMonth)).Append('\n');
            rows++;
        }
        return new(sb.ToString(), rows);
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
            // Diabetics stay (DM-DROP reads one card: leaving would look like a treatment drop), and so do people an
            // injected CHK-VISIT anomaly keeps away from doctors.
            if (rng.Chance(0.003) && !p.Diabetic && !p.ReservedIn(month))
            {
                p.Active = false;
                sb.Append(Row("lose", p, p.ValidFrom, Math.Max(p.ValidFrom, lastDayBefore), month)).Append('\n');
                rows++;
                if (p.CareInsuredNo is not null)
                {
                    sb.Append(CareRow("lose", p, p.ValidFrom, Math.Max(p.ValidFrom, lastDayBefore), month)).Append('\n');
                    rows++;
                }
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
            else if (p.BurdenPctAt(month) != p.BurdenPctAt(month.AddMonths(-1)) || p.IncomeClassAt(month) != p.IncomeClassAt(month.AddMonths(-1)))
            {
                // School age, 70: the burden and income class change from the 1st of the month (ELIG-RATIO reads the row in force).
                sb.Append(Row("change", p, firstDay, null, month)).Append('\n');
                rows++;
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
                if (p.CareInsuredNo is null) continue;
                sb.Append(CareRow("acquire", p, firstDay, null, month)).Append('\n');
                rows++;
            }
        return new(sb.ToString(), rows);
    }

    private static int LastDay(YearMonth m) => m.Value * 100 + DateTime.DaysInMonth(m.Year, m.Month);

    private static int PreviousDay(int yyyymmdd)
    {
        var d = new DateOnly(yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100).AddDays(-1);
        return d.Year * 10000 + d.Month * 100 + d.Day;
    }
}
