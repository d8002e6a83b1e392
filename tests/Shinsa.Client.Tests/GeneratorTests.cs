using System.Text;
using Shinsa.Client.Api;
using Shinsa.Client.Generation;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Csv;
using Shinsa.Ingestion.Eligibility;
using Shinsa.Ingestion.Uke;
using Shinsa.Silo.Tests;
using Shinsa.Tests.Common;

namespace Shinsa.Client.Tests;

public sealed class GeneratorTests : IDisposable
{
    private readonly List<string> _dirs = [];

    private string Generate(Preset preset, int months, int seed)
    {
        var dir = TestFiles.NewTempDir("shinsa-gen");
        _dirs.Add(dir);
        new PrefectureGenerator(preset, months, seed, YearMonth.Of(2024, 4)).Generate(dir);
        return dir;
    }

    private static Dictionary<string, byte[]> Tree(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    [Fact]
    public void The_same_seed_gives_byte_identical_output_and_another_seed_does_not()
    {
        var preset = Preset.Small.Scaled(0.25);
        var a = Tree(Generate(preset, 2, 11));
        var b = Tree(Generate(preset, 2, 11));
        var c = Tree(Generate(preset, 2, 12));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        Assert.All(a, kv => Assert.Equal(kv.Value, b[kv.Key]));
        Assert.NotEqual(a["manifest.json"], c["manifest.json"]);
    }

    [Fact]
    public void Anomalies_are_deterministic_name_generated_records_and_rate_zero_has_none()
    {
        var preset = Preset.Tiny;
        string Run(double rate)
        {
            var dir = TestFiles.NewTempDir("shinsa-gen");
            _dirs.Add(dir);
            new PrefectureGenerator(preset, 4, 5, YearMonth.Of(2024, 4), rate).Generate(dir);
            return dir;
        }
        var a = Run(0.004);
        var b = Tree(Run(0.004));
        var treeA = Tree(a);
        Assert.Equal(treeA.Keys.Order(), b.Keys.Order());
        Assert.All(treeA, kv => Assert.Equal(kv.Value, b[kv.Key]));
        Assert.Empty(File.ReadAllBytes(Path.Combine(Run(0), PrefectureGenerator.LabelsFile)));

        // Every label names receipts that are in the files (UKE receipts, or 柔整 claims named like receipts), of its card.
        var labels = PrefectureGenerator.ReadLabels(a);
        Assert.Equal(Grains.Review.ReviewEngine.CheckIds.Where(c => c != "CHK-VISIT").Order(), labels.Select(l => l.Check).Distinct().Order()); // CHK-VISIT needs 11 months
        var manifest = Replayer.ReadManifest(a);
        var receipts = manifest.Months.SelectMany(m => m.ClaimFiles).SelectMany(f => UkeParser.Parse(File.ReadAllBytes(Path.Combine(a, f)), f).Receipts)
            .ToDictionary(r => r.Key.ToString(), r => r.Card.Key);
        foreach (var m in manifest.Months)
            foreach (var j in JudoClaimCsv.Parse(File.ReadAllBytes(Path.Combine(a, m.ServiceMonth, "judo_claims.csv")), "j").Rows)
                receipts[new ReceiptKey(j.ProviderCode, j.BillingMonth, j.ClaimNo).ToString()] = j.Card.Key;
        Assert.All(labels, l => Assert.All(l.Receipts, r => Assert.Equal(l.Card, receipts[r])));
        Assert.All(labels, l => Assert.Equal(l.Card.Split(':')[0], l.Insurer));
        Assert.All(labels.Where(l => l.Check is not ("VISITS" or "DM-DROP" or "CHK-VISIT")), l => Assert.True(l.Yen > 0, $"{l.Check} has yen at stake"));
    }

    [Fact]
    public void Every_generated_file_parses_back_to_the_manifest_totals()
    {
        var dir = Generate(Preset.Small, 2, 3);
        var manifest = Replayer.ReadManifest(dir);
        foreach (var month in manifest.Months)
        {
            var eligibility = EligibilityCsvParser.Parse(File.ReadAllBytes(Path.Combine(dir, month.EligibilityFile)), month.EligibilityFile);
            Assert.Empty(eligibility.Errors);
            Assert.Equal(month.EligibilityRows, eligibility.Accepted);

            Assert.Equal(5, month.FeedFiles.Count);
            foreach (var (file, rows) in month.FeedRows)
            {
                var bytes = File.ReadAllBytes(Path.Combine(dir, file));
                var (submitted, errors) = Path.GetFileName(file) switch
                {
                    "checkups.csv" => Counts(CheckupCsv.Parse(bytes, file)),
                    "third_party_reports.csv" => Counts(ThirdPartyReportCsv.Parse(bytes, file)),
                    "care_claims.csv" => Counts(CareClaimCsv.Parse(bytes, file)),
                    "decisions.csv" => Counts(DecisionCsv.Parse(bytes, file)),
                    _ => Counts(JudoClaimCsv.Parse(bytes, file)),
                };
                Assert.Empty(errors);
                Assert.Equal(rows, submitted);
            }

            var parsed = month.ClaimFiles.Select(f => UkeParser.Parse(File.ReadAllBytes(Path.Combine(dir, f)), f)).ToList();
            Assert.All(parsed, p => Assert.Empty(p.Errors));
            Assert.All(parsed, p => Assert.Empty(p.Warnings));
            var receipts = parsed.SelectMany(p => p.Receipts).ToList();
            Assert.All(receipts, r => Assert.Equal(r.DeclaredPoints, r.ComputedPoints));
            Assert.All(receipts, r => Assert.Equal(month.ServiceMonth, r.ServiceMonth.ToString()));
            Assert.Equal(month.Receipts, receipts.Count);
            Assert.Equal(month.Points, receipts.Sum(r => (long)r.DeclaredPoints));
            Assert.Equal(month.Days, receipts.Sum(r => (long)r.Days));
            // Every claim's card holds eligibility: the initial file or a later acquire.
            Assert.Equal(receipts.Count, receipts.Select(r => r.Key).Distinct().Count());
            Assert.Equal(month.ReceiptsByKind.OrderBy(k => k.Key), receipts.GroupBy(r => PrefectureGenerator.KindName(r.Kind))
                .Select(g => new KeyValuePair<string, long>(g.Key, g.Count())).OrderBy(k => k.Key));

            // 突合: every 調剤 receipt's prescriber issued a 処方箋 (処方箋料) to the same person in the same month.
            var prescribed = receipts.Where(r => r.Kind == ClaimKind.Medical && r.Lines.Any(l => l.Code == ClaimCatalog.Prescription.Code))
                .Select(r => (r.Key.ProviderCode, r.Card, r.PersonKey)).ToHashSet();
            var pharmacy = receipts.Where(r => r.Kind == ClaimKind.Pharmacy).ToList();
            Assert.NotEmpty(pharmacy);
            Assert.All(pharmacy, r => Assert.Contains((r.PrescriberCode!, r.Card, r.PersonKey), prescribed));
            Assert.All(pharmacy, r => Assert.Contains(r.Lines, l => l.Kind == LineKind.Drug));
        }
    }

    private static (int, IReadOnlyList<Ingestion.IngestError>) Counts<T>(CsvParseResult<T> r) => (r.Submitted, r.Errors);

    [Fact]
    public void A_scaled_miyagi_month_has_the_population_and_volume_mix_of_DOMAIN_md()
    {
        var dir = Generate(Preset.Miyagi.Scaled(0.02), 1, 5);
        var manifest = Replayer.ReadManifest(dir);
        var month = manifest.Months[0];
        // DOMAIN.md, Miyagi a month for ≈ 750k beneficiaries: 医科 ≈ 756k, 歯科 ≈ 134k, 調剤 ≈ 527k receipts; each ±5%.
        foreach (var (kind, perMonth) in new[] { ("medical", 756_000.0), ("dental", 134_000.0), ("pharmacy", 527_000.0) })
        {
            var perPerson = (double)month.ReceiptsByKind[kind] / manifest.Persons;
            var expected = perMonth / 750_000;
            Assert.True(perPerson >= expected * 0.95 && perPerson <= expected * 1.05, $"{kind}: {perPerson:F4} receipts per person, expected {expected:F4} ±5%");
        }
        Assert.Equal(month.Receipts, month.ReceiptsByKind.Values.Sum());
        // 柔道整復 ≈ 19.7k a month.
        var judo = (double)month.FeedRows[$"{month.ServiceMonth}/judo_claims.csv"] / manifest.Persons;
        Assert.True(judo >= 19_700.0 / 750_000 * 0.95 && judo <= 19_700.0 / 750_000 * 1.05, $"柔整: {judo:F5} per person");
        Assert.InRange(month.ReceiptsByKind["visitingnursing"], 1, month.Receipts / 100);

        // Ageing rate ≈ 29% (65 and over), ±5% of it.
        var rows = File.ReadAllLines(Path.Combine(dir, month.EligibilityFile)).Skip(1).Select(l => l.Split(',')).Where(r => r[13] != "kaigo").ToList();
        var aged = rows.Count(r => int.Parse(r[7][..4]) <= 2024 - 65 - 1 + (string.CompareOrdinal(r[7][5..], "04-01") < 0 ? 1 : 0));
        Assert.InRange((double)aged / rows.Count, 0.29 * 0.95, 0.29 * 1.05);
        // From 75 everybody is in 後期.
        Assert.All(rows.Where(r => r[13] == "kouki"), r => Assert.Equal(Population.KoukiInsurer, r[3]));
    }

    [Fact]
    public async Task A_replay_of_the_small_preset_reconciles_with_the_manifest()
    {
        var dir = Generate(Preset.Small.Scaled(0.5), 2, 9);
        using var silo = new SiloFactory();
        var client = new ShinsaClient(await silo.StartAsync());
        var report = await new Replayer(client, dir).RunAsync(null, null, 4, null, CancellationToken.None);

        var manifest = Replayer.ReadManifest(dir);
        Assert.Equal(manifest.Months.Sum(m => m.Receipts), report.Accepted);
        Assert.Equal(0, report.Rejected);
        Assert.All(report.Lines, l => Assert.True(l.Matches, $"{l.Scope}: manifest {l.ExpectedReceipts}/{l.ExpectedPoints}/{l.ExpectedDays}, server {l.ServerReceipts}/{l.ServerPoints}/{l.ServerDays}"));
        Assert.True(report.Lines.Count > manifest.Months.Count, "per-insurer lines are reconciled too");
        // The review decisions moved the KPIs (返戻 took receipts out, 査定 cut points) and the reconciliation expected it.
        Assert.Contains(manifest.Months, m => m.Expected()[0] < m.Receipts);
        Assert.Contains(manifest.Months, m => m.Expected()[2] < m.Points);
        var decided = manifest.Months.SelectMany(m => DecisionCsv.Parse(File.ReadAllBytes(Path.Combine(dir, m.ServiceMonth, "decisions.csv")), "d").Rows)
            .Select(d => d.Decision).ToHashSet();
        Assert.Superset(new HashSet<DecisionKind> { DecisionKind.Assessed, DecisionKind.Returned, DecisionKind.Upheld, DecisionKind.Restored }, decided);
        Assert.Contains(DecisionKind.Assessed, decided);
        Assert.Contains(DecisionKind.Returned, decided);
    }

    public void Dispose()
    {
        foreach (var d in _dirs)
            TestFiles.DeleteTempDir(d);
    }
}
