using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Shinsa.Client.Api;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Ingestion.Uke;
using Spectre.Console;

namespace Shinsa.Client.Commands;

/// <summary>
/// `shinsa bench freshness`: how long after its 202 a submission shows on a subscribed KPI stream, while files arrive at
/// half the silo's sustained rate (measured first in the same run, unless --rate is given).
/// <para>
/// Attribution is conservative: file i (in acknowledgement order) counts as visible when the prefecture's 件数 on the
/// stream first reaches the count before the run plus every receipt acknowledged up to and including file i's, so a
/// file also waits for every file acknowledged before it.
/// </para>
/// </summary>
internal static class FreshnessBench
{
    public static Command Create()
    {
        var seconds = new Option<int>("--seconds") { Description = "How long to submit at the target rate", DefaultValueFactory = _ => 20 };
        var rate = new Option<double?>("--rate") { Description = "Target receipts/s (default: half the sustained rate measured first)" };
        var calibrate = new Option<int>("--calibrate-receipts") { Description = "Receipts sent flat out to measure the sustained rate", DefaultValueFactory = _ => 30_000 };
        var sample = new Option<string?>("--sample") { Description = "The UKE file to replicate (default: the shared real sample)" };
        var offset = new Option<int>("--variant-offset") { Description = "First variant number (use another value against a silo that has seen a run)", DefaultValueFactory = _ => 7_000_000 };
        var command = new Command("freshness", "Time from 202 to the change on a subscribed KPI stream (p50/p99) at half the sustained ingest rate")
        {
            seconds, rate, calibrate, sample, offset, CommonOptions.Json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var samplePath = parse.GetValue(sample) ?? Repo.SharedSample();
            var baseBytes = await File.ReadAllBytesAsync(samplePath, ct);
            var parsed = UkeParser.Parse(baseBytes, samplePath);
            var months = parsed.Receipts.Select(r => r.ServiceMonth).Distinct().ToList();
            if (months.Count != 1) throw new InvalidOperationException("the sample must hold one service month");
            var client = CommonOptions.ClientFor(parse);
            var result = await RunAsync(client, baseBytes, parsed.Accepted, months[0].ToString(), parse.GetValue(offset), parse.GetValue(calibrate),
                parse.GetValue(rate), TimeSpan.FromSeconds(parse.GetValue(seconds)), ct);
            Report(result, parse.GetValue(CommonOptions.Json));
            return result.Samples.Count > 0 ? 0 : 1;
        });
        return command;
    }

    internal sealed record FreshnessResult(double SustainedRate, double TargetRate, double AchievedRate, int Files, List<double> Samples)
    {
        public double Percentile(double p)
        {
            if (Samples.Count == 0) return double.NaN;
            var sorted = Samples.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }

    private static async Task<FreshnessResult> RunAsync(ShinsaClient client, byte[] baseBytes, int perFile, string month, int offset,
        int calibrateReceipts, double? rate, TimeSpan duration, CancellationToken ct)
    {
        var variant = offset;
        byte[] Next() => SampleReplicator.MakeVariant(baseBytes, variant++);

        // 1. Sustained rate: files flat out (4 in flight) until applied.
        var sustained = double.NaN;
        if (rate is null)
        {
            var files = Enumerable.Range(0, Math.Max(1, calibrateReceipts / perFile)).Select(_ => Next()).ToList();
            var clock = Stopwatch.StartNew();
            var ids = new string[files.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
                async (i, token) => ids[i] = await client.SubmitAsync(files[i], $"calibrate-{i}.UKE", token));
            foreach (var id in ids) await client.WaitAppliedAsync(id, TimeSpan.FromMinutes(10), ct);
            sustained = files.Count * perFile / clock.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(6), ct); // let the calibration's snapshots finish
        }
        var target = rate ?? sustained / 2;

        // 2. Subscribe to the prefecture's KPIs for the sample's month; keep (time, 件数) of every event.
        var clockAll = Stopwatch.StartNew();
        var events = new List<(double At, long Receipts)>();
        var first = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watcher = Task.Run(async () =>
        {
            try
            {
                await foreach (var kpi in client.WatchKpisAsync($"scope=prefecture&service_month={month}", stop.Token))
                {
                    var receipts = kpi.GetProperty("kpis").EnumerateArray().First(k => k.GetProperty("id").GetString() == "receipts")
                        .GetProperty("value").GetInt64();
                    lock (events) events.Add((clockAll.Elapsed.TotalMilliseconds, receipts));
                    first.TrySetResult(receipts);
                }
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        var baseline = await first.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

        // 3. Submit at the target rate (one file every perFile/target seconds, several in flight when needed).
        var interval = TimeSpan.FromSeconds(perFile / target);
        var acks = new List<(double At, int Receipts)>();
        var inFlight = new List<Task>();
        var start = clockAll.Elapsed;
        var n = 0;
        while (clockAll.Elapsed - start < duration)
        {
            var due = start + interval * n;
            if (due > clockAll.Elapsed) await Task.Delay(due - clockAll.Elapsed, ct);
            var bytes = Next();
            var index = n++;
            inFlight.Add(Task.Run(async () =>
            {
                await client.SubmitAsync(bytes, $"fresh-{index}.UKE", ct);
                lock (acks) acks.Add((clockAll.Elapsed.TotalMilliseconds, perFile));
            }, ct));
        }
        await Task.WhenAll(inFlight);
        var achieved = n * perFile / (clockAll.Elapsed - start).TotalSeconds;

        // 4. Wait until the stream shows everything, then attribute.
        var expected = baseline + (long)n * perFile;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            lock (events) if (events.Count > 0 && events[^1].Receipts >= expected) break;
            await Task.Delay(50, ct);
        }
        stop.Cancel();
        await watcher;

        var samples = new List<double>();
        var cumulative = baseline;
        foreach (var (at, receipts) in acks.OrderBy(a => a.At))
        {
            cumulative += receipts;
            var seen = events.FirstOrDefault(e => e.Receipts >= cumulative);
            if (seen != default) samples.Add(Math.Max(0, seen.At - at));
        }
        return new FreshnessResult(sustained, target, achieved, n, samples);
    }

    private static void Report(FreshnessResult r, bool json)
    {
        if (json)
        {
            Console.WriteLine(CommonOptions.ToJson(new
            {
                sustained_receipts_per_second = double.IsNaN(r.SustainedRate) ? (double?)null : Math.Round(r.SustainedRate),
                target_receipts_per_second = Math.Round(r.TargetRate), achieved_receipts_per_second = Math.Round(r.AchievedRate),
                r.Files, visible = r.Samples.Count, p50_ms = Math.Round(r.Percentile(0.5)), p99_ms = Math.Round(r.Percentile(0.99)),
                max_ms = Math.Round(r.Samples.DefaultIfEmpty(double.NaN).Max()),
            }));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title("freshness: 202 → change on a subscribed KPI stream").AddColumns("measure", "value");
        table.AddRow("sustained ingest (measured first)", double.IsNaN(r.SustainedRate) ? "given" : $"{r.SustainedRate:N0} receipts/s");
        table.AddRow("target / achieved rate", $"{r.TargetRate:N0} / {r.AchievedRate:N0} receipts/s");
        table.AddRow("files / seen on the stream", $"{r.Files:N0} / {r.Samples.Count:N0}");
        table.AddRow("p50", $"{r.Percentile(0.5):N0} ms");
        table.AddRow("p99", $"{r.Percentile(0.99):N0} ms {(r.Percentile(0.99) <= 500 ? "[green](target ≤ 500 ms)[/]" : "[red](target ≤ 500 ms)[/]")}");
        table.AddRow("max", $"{r.Samples.DefaultIfEmpty(double.NaN).Max():N0} ms");
        AnsiConsole.Write(table);
    }
}
