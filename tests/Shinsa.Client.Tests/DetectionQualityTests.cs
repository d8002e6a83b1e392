using System.Diagnostics;
using Shinsa.Client.Api;
using Shinsa.Client.Generation;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Silo.Tests;
using Shinsa.Tests.Common;
using Xunit.Abstractions;

namespace Shinsa.Client.Tests;

/// <summary>
/// Detection quality on generated data (issue 4): a year of the small preset with labelled anomalies, replayed into an
/// in-process silo; the open findings the findings API lists are compared with labels.jsonl, per check id. The labels
/// come from what the generator injected (its own arithmetic), not from the checks.
/// </summary>
public sealed class DetectionQualityTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = TestFiles.NewTempDir("shinsa-detect");

    public void Dispose() => TestFiles.DeleteTempDir(_dir);

    private sealed record Key(string Check, string Card, string Person, string ServiceMonth, string Receipts);

    private static Key KeyOf(string check, string card, string person, string month, IEnumerable<string> receipts) =>
        new(check, card, person, month, string.Join(" ", receipts));

    /// <summary>
    /// The small preset for 12 months: a check-up in the first two months reaches its CHK-VISIT due month (exam + 10).
    /// SHINSA_DETECTION=preset,months,seed,rate[,shuffle] runs another shape by hand (e.g. small,12,3,0.002).
    /// </summary>
    [Fact]
    public Task Every_labelled_anomaly_is_found_with_its_amount_and_no_finding_is_unlabelled() =>
        Measure(Environment.GetEnvironmentVariable("SHINSA_DETECTION") ?? "small,12,17,0.002");

    /// <summary>The same on the tiny preset with each month's files in a random order (claims before eligibility, 調剤 before 医科 …).</summary>
    [Fact]
    public Task In_any_arrival_order_the_findings_are_the_labels() => Measure("tiny,12,23,0.002,shuffle");

    private async Task Measure(string shapeText)
    {
        var clock = Stopwatch.StartNew();
        var shape = shapeText.Split(',');
        var (preset, months, seed, rate) = (Preset.Named(shape[0]), int.Parse(shape[1]), int.Parse(shape[2]),
            double.Parse(shape[3], System.Globalization.CultureInfo.InvariantCulture));
        var manifest = new PrefectureGenerator(preset, months, seed, YearMonth.Of(2024, 4), rate).Generate(_dir);
        var labels = PrefectureGenerator.ReadLabels(_dir);
        var generated = clock.Elapsed;

        using var silo = new SiloFactory();
        var client = new ShinsaClient(await silo.StartAsync());
        // A 5th field "shuffle" sends each month's files in a seeded random order, eligibility included.
        var shuffle = shape.Length > 4 && shape[4] == "shuffle" ? seed : (int?)null;
        var report = await new Replayer(client, _dir).RunAsync(null, shuffle, 4, null, CancellationToken.None);
        Assert.True(report.AllMatch, "the replay reconciles with the manifest");
        var replayed = clock.Elapsed;

        var insurers = manifest.Months.SelectMany(m => m.ByInsurer.Keys).Concat(labels.Select(l => l.Insurer)).Distinct().Order().ToList();
        var findings = new List<FindingItem>();
        foreach (var month in manifest.Months.Select(m => m.ServiceMonth))
            foreach (var insurer in insurers)
                findings.AddRange(await client.GetAllFindingsAsync(insurer, month, state: "open"));

        var expected = labels.GroupBy(l => KeyOf(l.Check, l.Card, l.Person, l.ServiceMonth, l.Receipts)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(expected, kv => Assert.True(kv.Value.Count == 1, $"two labels with one key: {kv.Key}"));
        var found = findings.GroupBy(f => KeyOf(f.CheckId, f.Card, f.Person, f.ServiceMonth, f.Receipts)).ToDictionary(g => g.Key, g => g.ToList());

        var checks = ReviewEngine.CheckIds;
        output.WriteLine($"{preset.Name} preset, {months} months, seed {seed}, rate {rate}{(shuffle is null ? "" : ", shuffled")}: {manifest.Months.Sum(m => m.Receipts):N0} receipts, {labels.Count} labels, " +
                         $"{findings.Count} open findings; generated in {generated.TotalSeconds:N1} s, replayed in {(replayed - generated).TotalSeconds:N1} s");
        output.WriteLine($"{"check",-11} {"labels",6} {"findings",8} {"matched",7} {"yen ok",6} {"recall",7} {"precision",9}");
        var problems = new List<string>();
        foreach (var check in ReviewEngine.CheckIds)
        {
            var mine = expected.Keys.Where(k => k.Check == check).ToList();
            var theirs = found.Keys.Where(k => k.Check == check).ToList();
            var matched = mine.Where(found.ContainsKey).ToList();
            var yenOk = matched.Count(k => expected[k][0].Yen == found[k][0].YenAtStake);
            var recall = mine.Count == 0 ? double.NaN : (double)matched.Count / mine.Count;
            var precision = theirs.Count == 0 ? double.NaN : (double)matched.Count / theirs.Count;
            output.WriteLine($"{check,-11} {mine.Count,6} {theirs.Count,8} {matched.Count,7} {yenOk,6} {recall,7:P1} {precision,9:P1}");
            problems.AddRange(mine.Where(k => !found.ContainsKey(k)).Select(k => $"missed: {k} ({expected[k][0].Note})"));
            problems.AddRange(theirs.Where(k => !expected.ContainsKey(k)).Select(k => $"unlabelled: {k} — {found[k][0].Detail} ({found[k][0].YenAtStake} yen)"));
            problems.AddRange(matched.Where(k => expected[k][0].Yen != found[k][0].YenAtStake)
                .Select(k => $"yen: {k} labelled {expected[k][0].Yen}, found {found[k][0].YenAtStake}"));
            if (rate > 0 && checks.Contains(check) && mine.Count == 0) problems.Add($"no {check} anomaly was injected");
        }
        foreach (var p in problems.Take(60)) output.WriteLine(p);
        Assert.True(problems.Count == 0, $"{problems.Count} problems, first: {problems.FirstOrDefault()}");
        Assert.All(found.Values, f => Assert.Single(f));
    }
}
