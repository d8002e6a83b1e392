using System.CommandLine;
using System.Diagnostics;
using Shinsa.Client.Api;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Ingestion.Uke;
using Spectre.Console;

namespace Shinsa.Client.Commands;

/// <summary>
/// `shinsa bench ingest`: end-to-end ingest throughput (submit → applied) against a running silo, printed as a ratio
/// to the parse-only throughput of the same bytes measured in this process, because absolute figures on shared
/// machines are noise.
/// </summary>
internal static class BenchCommand
{
    // The silo's and this client's hot paths are recompiled with profile data (tiered PGO) some seconds into a run:
    // after 20,000 receipts the client still took 4.5 µs of CPU a receipt and the silo 25–33, after 300,000 2.3 and
    // 20–23 (README, Benchmark). A silo runs for weeks, so the bench times the steady state, as the parse baseline's.
    private const int WarmupReceipts = 300_000;

    public static Command Create()
    {
        var receipts = new Option<int>("--receipts") { Description = "Receipts to ingest (rounded up to whole files)", DefaultValueFactory = _ => 200_000 };
        var copies = new Option<int>("--copies") { Description = "Copies of the sample's receipts in each file (1: files of 75 receipts, a small clinic's)", DefaultValueFactory = _ => 1 };
        var concurrency = new Option<int>("--concurrency") { Description = "Files in flight at once", DefaultValueFactory = _ => 4 };
        var sample = new Option<string?>("--sample") { Description = "The UKE file to replicate (default: the shared real sample)" };
        var offset = new Option<int>("--variant-offset") { Description = "First variant number, to ingest new files into a silo that has seen earlier ones", DefaultValueFactory = _ => 0 };
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds, each of --receipts new receipts with a baseline of its own; the round with the median ratio is reported", DefaultValueFactory = _ => 3 };
        rounds.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--rounds is at least 1");
        });
        var warmup = new Option<int>("--warmup") { Description = "Receipts sent (and applied) before timing, so the silo's JIT and caches are warm, as the parse baseline's are", DefaultValueFactory = _ => WarmupReceipts };
        var ingest = new Command("ingest", "Ingest replicated claim files; print receipts/s end-to-end and the ratio to parse-only")
        {
            receipts, rounds, copies, concurrency, sample, offset, warmup, CommonOptions.Json,
        };
        ingest.SetAction(async (parse, ct) =>
        {
            var samplePath = parse.GetValue(sample) ?? Repo.SharedSample();
            var baseBytes = await File.ReadAllBytesAsync(samplePath, ct);
            var copiesPerFile = parse.GetValue(copies);
            var perFile = UkeParser.Parse(SampleReplicator.MakeVariant(baseBytes, 0, copiesPerFile), samplePath).Accepted;
            var fileCount = (parse.GetValue(receipts) + perFile - 1) / perFile;
            var first = parse.GetValue(offset);
            // Each round's files and the warm-up's come from variant ranges of their own, so none of them is a duplicate.
            List<byte[]> Variants(int from, int count) =>
                Enumerable.Range(from, count).Select(i => SampleReplicator.MakeVariant(baseBytes, i, copiesPerFile)).ToList();
            var client = CommonOptions.ClientFor(parse);
            var concurrent = parse.GetValue(concurrency);
            var quiet = parse.GetValue(CommonOptions.Json);
            await WarmUp(client, Variants(first + 5_000_000, (parse.GetValue(warmup) + perFile - 1) / perFile), concurrent, ct);
            var results = new List<IngestResult>();
            for (var round = 0; round < parse.GetValue(rounds); round++)
            {
                // The previous round's last snapshots (due within a snapshot interval, 1 s) are written before the next
                // baseline starts, as the warm-up's are before the first.
                if (round > 0) await Task.Delay(TimeSpan.FromSeconds(2), ct);
                results.Add(await Run(client, Variants(first + round * fileCount, fileCount), concurrent, quiet, ct));
            }
            var result = IngestRounds.Of(results);
            Report(result, quiet);
            return result.KpiMatches ? 0 : 1;
        });
        return new Command("bench", "Benchmarks (ratios against a baseline measured in the same run)") { ingest, BenchCopyCommand.Create(), FreshnessBench.Create() };
    }

    internal sealed record IngestResult(int Files, int Receipts, long Bytes, double ParseSeconds, double AcknowledgedSeconds, double EndToEndSeconds, int Retries,
        long KpiReceiptsAdded, bool KpiMatches, ReceiptCpu? Cpu)
    {
        public double ParseReceiptsPerSecond => Receipts / ParseSeconds;
        public double EndToEndReceiptsPerSecond => Receipts / EndToEndSeconds;
        public double Ratio => EndToEndReceiptsPerSecond / ParseReceiptsPerSecond;
    }

    /// <summary>
    /// Both sides warm: the silo ingests the warm-up files and is left to finish its snapshots (the default snapshot
    /// interval is 1 s) so that its background work overlaps neither the baseline nor the measured run. They are
    /// submitted as the measured files are, all before waiting for any: waiting for each file before the next kept 4
    /// files in flight, and in cluster mode (a file is applied once its shards' owners have published their cursors,
    /// every quarter second) 300,000 receipts took over twenty minutes to warm up.
    /// </summary>
    private static async Task WarmUp(ShinsaClient client, List<byte[]> warmupFiles, int concurrency, CancellationToken ct)
    {
        var warmupIds = new string[warmupFiles.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, warmupFiles.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
            async (i, token) => warmupIds[i] = await client.SubmitAsync(warmupFiles[i], "warmup.UKE", token));
        foreach (var id in warmupIds) await client.WaitAppliedAsync(id, TimeSpan.FromMinutes(10), ct);
        if (warmupFiles.Count > 0) await Task.Delay(TimeSpan.FromSeconds(7), ct);
    }

    /// <summary>
    /// One round: the parse-only baseline over the round's files, then the same files submitted and waited for until
    /// applied. The baseline is timed just before its own round, so that what else the machine does at that moment
    /// weighs on both figures of the ratio, not on one.
    /// </summary>
    private static async Task<IngestResult> Run(ShinsaClient client, List<byte[]> files, int concurrency, bool quiet, CancellationToken ct)
    {
        var retriesBefore = client.Retries;

        // Baseline: parse-only, single thread, same bytes (after one warm-up pass over a few files).
        foreach (var f in files.Take(20)) UkeParser.Parse(f, "warmup");
        var clock = Stopwatch.StartNew();
        var receipts = 0;
        foreach (var f in files) receipts += UkeParser.Parse(f, "bench").Accepted;
        var parseSeconds = clock.Elapsed.TotalSeconds;


        var months = files.Take(1).SelectMany(f => UkeParser.Parse(f, "m").Receipts.Select(r => r.ServiceMonth.ToString())).Distinct().ToList();
        long before = 0;
        foreach (var m in months) before += (await client.GetKpiSummaryAsync(m, ct: ct)).Receipts;

        var ids = new string[files.Count];
        var acknowledgedSeconds = 0.0;
        var siloCpuBefore = await TryHostCpu(client, ct);
        var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        async Task Submit(Action<int> advance)
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
                async (i, token) =>
                {
                    ids[i] = await client.SubmitAsync(files[i], $"bench-{i}.UKE", token);
                    advance(1);
                });
            acknowledgedSeconds = clock.Elapsed.TotalSeconds;
            foreach (var id in ids)
            {
                await client.WaitAppliedAsync(id, TimeSpan.FromMinutes(30), ct);
                advance(1);
            }
        }
        if (quiet || Console.IsOutputRedirected) await Submit(_ => { });
        else
            await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"{files.Count:N0} files → applied", maxValue: files.Count * 2);
                    await Submit(n => task.Increment(n));
                });
        var endToEnd = clock.Elapsed.TotalSeconds;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;
        var siloCpuAfter = await TryHostCpu(client, ct);
        var cpu = siloCpuBefore is null || siloCpuAfter is null ? null
            : new ReceiptCpu(receipts, parseSeconds, siloCpuAfter.CpuSeconds - siloCpuBefore.CpuSeconds, clientCpu, endToEnd, siloCpuAfter.Processors,
                siloCpuAfter.AllocatedBytes - siloCpuBefore.AllocatedBytes, siloCpuAfter.GcPauseSeconds - siloCpuBefore.GcPauseSeconds);

        long after = 0;
        foreach (var m in months) after += (await client.GetKpiSummaryAsync(m, ct: ct)).Receipts;
        return new IngestResult(files.Count, receipts, files.Sum(f => (long)f.Length), parseSeconds, acknowledgedSeconds, endToEnd, client.Retries - retriesBefore,
            after - before, after - before == receipts, cpu);
    }

    // The host status is the federation's: with another token the run still measures, without the CPU figures.
    private static async Task<HostCpu?> TryHostCpu(ShinsaClient client, CancellationToken ct)
    {
        try { return await client.GetHostCpuAsync(ct); }
        catch (ShinsaApiException) { return null; }
    }

    private static void Report(IngestRounds rounds, bool json)
    {
        var r = rounds.Median;
        if (json)
        {
            Console.WriteLine(CommonOptions.ToJson(new
            {
                rounds = rounds.All.Count, ratios = rounds.All.Select(x => Math.Round(x.Ratio, 3)).ToList(),
                r.Files, r.Receipts, r.Bytes, parse_receipts_per_second = Math.Round(r.ParseReceiptsPerSecond),
                acknowledged_receipts_per_second = Math.Round(r.Receipts / r.AcknowledgedSeconds),
                end_to_end_receipts_per_second = Math.Round(r.EndToEndReceiptsPerSecond), ratio = Math.Round(r.Ratio, 3),
                retries_429 = r.Retries, kpi_receipts_added = r.KpiReceiptsAdded, kpi_matches = rounds.KpiMatches,
                parse_cpu_us_per_receipt = Round(r.Cpu?.ParseMicros), silo_cpu_us_per_receipt = Round(r.Cpu?.SiloMicros),
                client_cpu_us_per_receipt = Round(r.Cpu?.ClientMicros), cores_busy = Round(r.Cpu?.CoresBusy, 2), processors = r.Cpu?.Processors,
                ratio_with_all_cores_busy = Round(r.Cpu?.RatioWithAllCoresBusy, 3),
                silo_allocated_bytes_per_receipt = Round(r.Cpu?.SiloAllocatedBytes, 0), silo_gc_pause_share = Round(r.Cpu?.SiloGcPauseShare, 3),
            }));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title("ingest benchmark").AddColumns("measure", "value");
        table.AddRow("files / receipts / MB", $"{r.Files:N0} / {r.Receipts:N0} / {r.Bytes / 1e6:N1}");
        table.AddRow("parse-only (1 thread, in process)", $"{r.ParseReceiptsPerSecond:N0} receipts/s ({r.Bytes / 1e6 / r.ParseSeconds:N1} MB/s)");
        table.AddRow("acknowledged (submit → 202, durable)", $"{r.Receipts / r.AcknowledgedSeconds:N0} receipts/s ({r.AcknowledgedSeconds:N1} s)");
        table.AddRow("end-to-end (submit → applied)", $"{r.EndToEndReceiptsPerSecond:N0} receipts/s ({r.EndToEndSeconds:N1} s)");
        table.AddRow("ratio end-to-end / parse-only", $"{r.Ratio:N3}");
        table.AddRow($"ratio in each of the {rounds.All.Count} rounds", string.Join(" / ", rounds.All.Select(x => $"{x.Ratio:N3}")));
        table.AddRow("429/503 retries", $"{r.Retries:N0}");
        table.AddRow("KPI receipts added (every round)", string.Join(" / ", rounds.All.Select(x => $"{x.KpiReceiptsAdded:N0} {(x.KpiMatches ? "[green]OK[/]" : "[red]MISMATCH[/]")}")));
        if (r.Cpu is { } cpu)
        {
            table.AddRow("CPU per receipt: parse / silo / client", $"{cpu.ParseMicros:N1} / {cpu.SiloMicros:N1} / {cpu.ClientMicros:N1} µs");
            table.AddRow("cores busy (silo + client)", $"{cpu.CoresBusy:N2} of {cpu.Processors}");
            table.AddRow($"ratio with all {cpu.Processors} cores busy", $"{cpu.RatioWithAllCoresBusy:N3}");
            table.AddRow("silo: bytes allocated per receipt / GC pauses", $"{cpu.SiloAllocatedBytes:N0} B / {cpu.SiloGcPauseShare:P1} of the run");
        }
        AnsiConsole.Write(table);
    }

    private static double? Round(double? value, int digits = 1) => value is { } v ? Math.Round(v, digits) : null;
}

/// <summary>
/// The rounds of one ingest benchmark. The machines it runs on are shared: one round's baseline or end-to-end time can be
/// off by a fifth, so the report is the round with the median ratio (of an even count, the lower of the two middle
/// ones), with every round's ratio beside it. Its KPIs match only when every round's did.
/// </summary>
internal sealed record IngestRounds(IReadOnlyList<BenchCommand.IngestResult> All)
{
    public static IngestRounds Of(IReadOnlyList<BenchCommand.IngestResult> rounds) =>
        rounds.Count > 0 ? new(rounds) : throw new ArgumentException("a benchmark needs at least one round", nameof(rounds));

    public BenchCommand.IngestResult Median => All.OrderBy(r => r.Ratio).ElementAt((All.Count - 1) / 2);

    public bool KpiMatches => All.All(r => r.KpiMatches);
}

/// <summary>
/// What one receipt cost in CPU during the measured run: to parse (the single-thread baseline, so its wall time), in the
/// silo and in this client. The ratio end-to-end / parse-only cannot exceed processors × parse / (silo + client) when
/// both run on one machine; <see cref="RatioWithAllCoresBusy"/> is that bound, so a run shows whether it was short of
/// CPU (the bound is near the ratio) or waiting on something (the bound is well above it). What the silo allocated per
/// receipt, and the share of the run its collector paused it, say how much of its CPU went to garbage.
/// </summary>
internal sealed record ReceiptCpu(int Receipts, double ParseSeconds, double SiloSeconds, double ClientSeconds, double WallSeconds, int Processors,
    long SiloAllocated, double SiloGcPauseSeconds)
{
    public double SiloAllocatedBytes => (double)SiloAllocated / Receipts;
    public double SiloGcPauseShare => SiloGcPauseSeconds / WallSeconds;
    public double ParseMicros => ParseSeconds * 1e6 / Receipts;
    public double SiloMicros => SiloSeconds * 1e6 / Receipts;
    public double ClientMicros => ClientSeconds * 1e6 / Receipts;
    public double CoresBusy => (SiloSeconds + ClientSeconds) / WallSeconds;
    public double RatioWithAllCoresBusy => Processors * ParseMicros / (SiloMicros + ClientMicros);
}

/// <summary>Finds the shared fixtures beside the repository (the repo holds Shinsa.sln; fixtures are in ../shared).</summary>
internal static class Repo
{
    public static string SharedSample()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Shinsa.sln")))
                    return Path.Combine(dir.FullName, "..", "shared", "fixtures", "external", "receiptisan", "RECEIPTC_GAIRAI_SAMPLE.UKE");
        throw new FileNotFoundException("cannot find the repository (Shinsa.sln) to locate the sample; pass --sample PATH");
    }
}
