using System.Text.Json;
using Shinsa.Client.Api;

namespace Shinsa.Client.Generation;

/// <summary>One line of the replay's reconciliation: what the manifest says against what the server counts.</summary>
public sealed record Reconciliation(string Scope, long ExpectedReceipts, long ServerReceipts, long ExpectedPoints, long ServerPoints, long ExpectedDays, long ServerDays)
{
    public bool Matches => ExpectedReceipts == ServerReceipts && ExpectedPoints == ServerPoints && ExpectedDays == ServerDays;
}

public sealed record ReplayReport(int Files, long Submitted, long Accepted, long Rejected, IReadOnlyList<Reconciliation> Lines)
{
    public bool AllMatch => Lines.All(l => l.Matches) && Rejected == 0;
}

/// <summary>
/// Streams a generated month (or months) into a silo: each month's eligibility first, then its claim files (with
/// shuffle: everything of the month in a seeded random order, eligibility included), at most <c>filesPerSecond</c>;
/// waits until all are applied, then reconciles the server's KPI summaries with the manifest.
/// </summary>
public sealed class Replayer(ShinsaClient client, string directory)
{
    public static Manifest ReadManifest(string directory) =>
        JsonSerializer.Deserialize<Manifest>(File.ReadAllText(Path.Combine(directory, PrefectureGenerator.ManifestFile)), PrefectureGenerator.Json)
        ?? throw new InvalidDataException($"{directory}/{PrefectureGenerator.ManifestFile} is empty");

    public async Task<ReplayReport> RunAsync(double? filesPerSecond, int? shuffleSeed, int concurrency, Action<int, int>? progress, CancellationToken ct)
    {
        var manifest = ReadManifest(directory);
        var total = manifest.Months.Sum(m => m.ClaimFiles.Count + m.FeedFiles.Count + 1);
        var done = 0;
        long submitted = 0, accepted = 0, rejected = 0;
        var ids = new List<string>();
        var started = DateTime.UtcNow;
        foreach (var month in manifest.Months)
        {
            var items = new List<string> { month.EligibilityFile };
            items.AddRange(month.FeedFiles);
            items.AddRange(month.ClaimFiles);
            if (shuffleSeed is { } seed)
            {
                var rng = new Rng((ulong)seed ^ (ulong)Grains.Records.YearMonth.Parse(month.ServiceMonth).Value);
                items = items.OrderBy(_ => rng.NextUInt64()).ToList();
            }
            else
            {
                // Eligibility must be in before the claims that need it.
                var elig = await client.SubmitEligibilityAsync(await File.ReadAllBytesAsync(Path.Combine(directory, month.EligibilityFile), ct), month.EligibilityFile, ct);
                await client.WaitAppliedAsync(elig.Id, TimeSpan.FromMinutes(30), ct);
                items.RemoveAt(0);
                progress?.Invoke(++done, total);
            }
            var gate = new SemaphoreSlim(concurrency);
            var tasks = new List<Task<string>>();
            foreach (var path in items)
            {
                if (filesPerSecond is { } rate)
                {
                    var due = started + TimeSpan.FromSeconds(done / rate);
                    if (due > DateTime.UtcNow) await Task.Delay(due - DateTime.UtcNow, ct);
                }
                await gate.WaitAsync(ct);
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        var bytes = await File.ReadAllBytesAsync(Path.Combine(directory, path), ct);
                        var id = InputKinds.CsvFeedOf(bytes) is { } feed
                            ? (await client.SubmitCsvAsync(feed, bytes, path, ct)).Id
                            : await client.SubmitAsync(bytes, path, ct);
                        progress?.Invoke(Interlocked.Increment(ref done), total);
                        return id;
                    }
                    finally { gate.Release(); }
                }, ct));
            }
            ids.AddRange(await Task.WhenAll(tasks));
        }
        foreach (var id in ids)
        {
            var status = await client.WaitAppliedAsync(id, TimeSpan.FromMinutes(30), ct);
            if (id.StartsWith('u'))
            {
                submitted += status.Receipts.Submitted;
                accepted += status.Receipts.Accepted;
                rejected += status.Receipts.Rejected;
            }
        }

        var lines = new List<Reconciliation>();
        foreach (var month in manifest.Months)
        {
            // The KPIs count receipts after their review decisions (返戻 out, 査定 cuts off the points).
            var kpi = await client.GetKpiSummaryAsync(month.ServiceMonth, ct: ct);
            var e = month.Expected();
            lines.Add(new Reconciliation(month.ServiceMonth, e[0], kpi.Receipts, e[2], kpi.Points, e[1], kpi.Days));
            foreach (var insurer in month.ByInsurer.Keys)
            {
                var k = await client.GetKpiSummaryAsync(month.ServiceMonth, insurer, ct: ct);
                var t = month.Expected(insurer);
                lines.Add(new Reconciliation($"{month.ServiceMonth} {insurer}", t[0], k.Receipts, t[2], k.Points, t[1], k.Days));
            }
        }
        return new ReplayReport(manifest.Months.Sum(m => m.ClaimFiles.Count + m.FeedFiles.Count + 1), submitted, accepted, rejected, lines);
    }
}
