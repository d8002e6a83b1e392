using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Uke;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Tests.Common;
using Xunit.Abstractions;

namespace Shinsa.Silo.Tests;

/// <summary>
/// Invariants 1 and 2 with a real process and SIGKILL: whatever the kill points, after restarts and a resubmission of
/// every file (acknowledged or not), the KPIs, the open findings and the 高額療養費 equal those of a run with no crash,
/// and the KPIs equal the totals of the files themselves. The corpus has eligibility (so ELIG-*, 高額療養費 and DUP
/// apply), check-ups whose CHK-VISIT timers fire when the claim files move the review clock, and claims that no
/// eligibility covers (ELIG-NONE).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CrashReplayTests(ITestOutputHelper output, PostgresServer postgres) : IDisposable
{
    private const int Files = 240;
    private readonly List<string> _dirs = [];

    // Small snapshot interval and resident cap, so kills land before, during and after snapshots and evictions.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Shinsa__ShardCount"] = "8",
        ["Shinsa__Workers"] = "2",
        ["Shinsa__SnapshotEveryRecords"] = "400",
        ["Shinsa__SnapshotInterval"] = "00:00:00.300",
        ["Shinsa__ResidentGrainCap"] = "800",
        ["Shinsa__IdleAfter"] = "00:00:01",
        ["Shinsa__MaxBacklogRecords"] = "3000",
    };

    private static readonly byte[][] Corpus = BuildCorpus();
    private const int Stays = 12;

    /// <summary>
    /// The replicated real sample, then feeds that give the review something to find: eligibility for the first
    /// variants' households and for a dozen households with a long stay (one UKE file each, 入院 of 15,000 points a
    /// day for 6 days: payable 高額療養費 under ウ), two receipts of one stay household twice (DUP), and check-ups at
    /// 受診勧奨 level in 2020-11 (no visit in the ten months after: CHK-VISIT once the clock reaches 2021-09).
    /// </summary>
    private static byte[][] BuildCorpus()
    {
        var sample = TestFiles.SampleUkeBytes();
        var variants = Enumerable.Range(0, Files).Select(i => SampleReplicator.MakeVariant(sample, i)).ToList();
        var covered = variants.Take(20).SelectMany((f, i) => UkeParser.Parse(f, $"v{i}").Receipts).ToList();
        var header = TestFiles.EligibilityHeader + "\n";
        var rows = covered.Select((r, i) => string.Join(',', "acquire", $"P{i}", $"H{i}", r.Card.InsurerNo, r.Card.Symbol, r.Card.Number, r.Branch ?? "",
            $"{r.BirthDate / 10000:D4}-{r.BirthDate / 100 % 100:D2}-{r.BirthDate % 100:D2}", r.Sex, "2021-01-01", "", 30, "ウ", "kokuho")).ToList();
        var stays = Enumerable.Range(0, Stays).Select(i => StayFile(i)).ToList();
        rows.AddRange(Enumerable.Range(0, Stays).Select(i => $"acquire,S{i},HS{i},040014,S{i},1,01,1960-05-05,2,2021-01-01,,30,ウ,kokuho"));
        var checkups = "insurer_no,card_symbol,card_number,branch,exam_date,hba1c,fasting_glucose,sbp,dbp,egfr,ldl,bmi,waist\n" +
            string.Concat(Enumerable.Range(0, Stays).Select(i => $"040014,S{i},1,01,2020-11-15,7.2,,150,92,,,,\n"));
        return [Encoding.UTF8.GetBytes(header + string.Join("\n", rows) + "\n"), Encoding.UTF8.GetBytes(checkups), .. stays, .. variants];
    }

    private static byte[] StayFile(int i)
    {
        var card = new HouseholdCard("040014", $"S{i}", "1");
        Receipt Stay(int no) => new(new ReceiptKey($"{9_000_000 + i}", new YearMonth(202111), no), ClaimKind.Medical, "1111", new YearMonth(202110), card,
            "01", 2, 19600505, "シンサ", 70, 20211001, null, 6, 90_000, 90_000, null, [], [new Diagnosis("4659007", 20211001, 1, true)],
            [new ServiceLine(LineKind.Procedure, "90", "190077410", null, 15_000, 6, 0x3Fu)], 1);
        Receipt[] receipts = i == 0 ? [Stay(1), Stay(2)] : [Stay(1)];
        return UkeWriter.Write(new UkeWriter.Provider(ClaimKind.Medical, $"{9_000_000 + i}", "04", "テスト病院", new YearMonth(202111)), receipts);
    }

    /// <summary>Where a corpus file goes, and the first letter of its submission id.</summary>
    private static (string Path, char Prefix) PathOf(byte[] file) =>
        file.AsSpan().StartsWith("event,"u8) ? ("/api/v1/eligibility", 'e')
        : file.AsSpan().StartsWith("insurer_no,"u8) ? ("/api/v1/checkups", 'c')
        : ("/api/v1/submissions", 'u');

    private static bool IsClaimFile(byte[] file) => file.Length > 2 && file[0] == (byte)'I' && file[1] == (byte)'R';

    private string NewDir()
    {
        var dir = TestFiles.NewTempDir("shinsa-crash");
        _dirs.Add(dir);
        return dir;
    }

    [Theory]
    [InlineData(20261122, "sqlite")]
    [InlineData(4242, "sqlite")]
    [InlineData(777, "postgres")]
    public async Task Kpis_after_random_sigkills_and_resubmission_equal_the_no_crash_run(int seed, string storage)
    {
        var settings = new Dictionary<string, string>(Settings) { ["Shinsa__Storage"] = storage };
        Dictionary<string, string> Fresh()
        {
            // SQLite gets a new data dir per run; PostgreSQL a new database per run.
            if (storage == "postgres") settings["Shinsa__Postgres__ConnectionString"] = postgres.NewDatabase();
            return new Dictionary<string, string>(settings);
        }
        var queries = Queries();
        var expected = ExpectedFromFiles();

        // The run with no crash.
        Dictionary<string, long[]> clean;
        ReviewReads.Review cleanReview;
        using (var silo = SiloProcess.Start(NewDir(), Fresh()))
        {
            await silo.WaitReadyAsync();
            await SubmitAll(silo, Corpus, CancellationToken.None, onAcknowledged: null);
            clean = await ReadKpis(silo.Client, queries);
            cleanReview = await ReviewReads.ReadAsync(silo.Client, SampleReplicator.Insurers, ["2021-09", "2021-10"]);
        }
        AssertSameKpis(expected, clean, "no-crash run vs the files' own totals");
        // The review found what the corpus holds: every check the feeds set up fired.
        foreach (var check in new[] { "ELIG-NONE", "DUP", "ROUTE", "CHK-VISIT" })
            Assert.Contains(cleanReview.Findings, f => f.StartsWith(check + ":", StringComparison.Ordinal));
        Assert.Equal(Stays, cleanReview.HighCost.Count);
        // …and the population rates have populations to compare (the eligibility feed's insured).
        Assert.Contains(cleanReview.Catalogue, c => c.Contains(" insured=", StringComparison.Ordinal) && !c.EndsWith("=0", StringComparison.Ordinal));
        output.WriteLine($"no-crash run: {cleanReview.Findings.Count} open findings, {cleanReview.HighCost.Count} 高額療養費 households");

        // The run with crashes: one data dir, killed at random points, restarted each time.
        var random = new Random(seed);
        var dataDir = NewDir();
        var crashSettings = Fresh();
        var acknowledged = new ConcurrentDictionary<string, int>();
        var acknowledgedFiles = new ConcurrentDictionary<int, int>();
        var idToFile = Corpus.Select((f, i) => (Id: Ingest.SubmissionService.IdOf(PathOf(f).Prefix, f), i))
            .ToDictionary(x => x.Id, x => x.i);
        for (var kill = 0; kill < 6; kill++)
        {
            using var silo = SiloProcess.Start(dataDir, crashSettings);
            var mode = random.Next(4);
            if (mode == 0)
            {
                // Kill during start-up or recovery.
                await Task.Delay(random.Next(100, 1200));
                silo.Kill();
                output.WriteLine($"kill {kill}: during start-up");
                continue;
            }
            await silo.WaitReadyAsync();
            // Files not yet acknowledged go first, so the kill lands amid new appends, snapshots and evictions.
            var order = Corpus.Select((file, i) => (file, i))
                .OrderBy(f => acknowledgedFiles.ContainsKey(f.i)).ThenBy(_ => random.Next()).ToArray();
            var fresh = Corpus.Length - acknowledgedFiles.Count;
            var ackTarget = fresh > 4 ? random.Next(1, fresh / 2) : random.Next(1, Corpus.Length);
            using var stop = new CancellationTokenSource();
            var acks = 0;
            var submitting = SubmitAll(silo, order.Select(f => f.file), stop.Token, id =>
            {
                acknowledged.TryAdd(id, 0);
                acknowledgedFiles.TryAdd(idToFile[id], 0);
                Interlocked.Increment(ref acks);
            }, waitApplied: false);
            while (Volatile.Read(ref acks) < ackTarget && !submitting.IsCompleted) await Task.Delay(5);
            await Task.Delay(random.Next(0, 150));
            silo.Kill();
            stop.Cancel();
            try { await submitting; } catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TaskCanceledException) { }
            output.WriteLine($"kill {kill}: after {acks} acknowledgements (target {ackTarget}), {acknowledgedFiles.Count} of {Corpus.Length} files acknowledged so far");
        }

        using (var silo = SiloProcess.Start(dataDir, crashSettings))
        {
            await silo.WaitReadyAsync();
            var ids = await SubmitAll(silo, Corpus, CancellationToken.None, onAcknowledged: null);
            // Every acknowledged submission kept its id: nothing acknowledged was lost or duplicated.
            Assert.Superset(acknowledged.Keys.ToHashSet(), ids.ToHashSet());
            var crashed = await ReadKpis(silo.Client, queries);
            AssertSameKpis(clean, crashed, "crash run vs no-crash run");
            var review = await ReviewReads.ReadAsync(silo.Client, SampleReplicator.Insurers, ["2021-09", "2021-10"]);
            Assert.Equal(cleanReview.Findings, review.Findings);
            Assert.Equal(cleanReview.HighCost, review.HighCost);
            Assert.Equal(cleanReview.Catalogue, review.Catalogue);
        }
    }

    private static async Task<List<string>> SubmitAll(SiloProcess silo, IEnumerable<byte[]> files, CancellationToken ct,
        Action<string>? onAcknowledged, bool waitApplied = true)
    {
        var ids = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (file, token) =>
        {
            while (true)
            {
                var content = new ByteArrayContent(file);
                content.Headers.ContentType = new("application/octet-stream");
                var response = await silo.Client.PostAsync(PathOf(file).Path, content, token);
                if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                {
                    await Task.Delay(100, token);
                    continue;
                }
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("id").GetString()!;
                ids.Add(id);
                onAcknowledged?.Invoke(id);
                break;
            }
        });
        if (waitApplied)
            foreach (var id in ids) await silo.Client.WaitAppliedAsync(id, TimeSpan.FromMinutes(2));
        return ids.ToList();
    }

    /// <summary>Every (service month, insurer) and every provider the corpus touches, plus the month totals.</summary>
    private static List<string> Queries()
    {
        var receipts = Corpus.Where(IsClaimFile).SelectMany((f, i) => UkeParser.Parse(f, $"f{i}").Receipts).ToList();
        var months = receipts.Select(r => r.ServiceMonth).Distinct().ToList();
        var queries = new List<string>();
        foreach (var month in months)
        {
            queries.Add($"service_month={month}");
            queries.AddRange(receipts.Where(r => r.ServiceMonth == month).Select(r => r.Card.InsurerNo).Distinct()
                .Select(i => $"service_month={month}&insurer={i}"));
            queries.AddRange(receipts.Where(r => r.ServiceMonth == month).Select(r => r.Key.ProviderCode).Distinct()
                .Select(p => $"service_month={month}&provider={p}"));
        }
        return queries;
    }

    private static Dictionary<string, long[]> ExpectedFromFiles()
    {
        var receipts = Corpus.Where(IsClaimFile).SelectMany((f, i) => UkeParser.Parse(f, $"f{i}").Receipts).ToList();
        Assert.Equal(Files * 75 + Stays + 1, receipts.Count);
        var expected = new Dictionary<string, long[]>();
        foreach (var query in Queries())
        {
            var parts = query.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
            var matching = receipts.Where(r => r.ServiceMonth.ToString() == parts["service_month"]
                && (!parts.TryGetValue("insurer", out var ins) || r.Card.InsurerNo == ins)
                && (!parts.TryGetValue("provider", out var prov) || r.Key.ProviderCode == prov)).ToList();
            expected[query] = [matching.Count, matching.Sum(r => (long)r.Days), matching.Sum(r => (long)r.DeclaredPoints), matching.Sum(r => r.CostYen)];
        }
        return expected;
    }

    private static async Task<Dictionary<string, long[]>> ReadKpis(HttpClient client, List<string> queries)
    {
        var result = new Dictionary<string, long[]>();
        foreach (var query in queries)
        {
            var kpi = await client.KpiAsync(query);
            result[query] = [kpi.GetProperty("receipts").GetInt64(), kpi.GetProperty("days").GetInt64(),
                kpi.GetProperty("points").GetInt64(), kpi.GetProperty("cost_yen").GetInt64()];
        }
        return result;
    }

    private static void AssertSameKpis(Dictionary<string, long[]> expected, Dictionary<string, long[]> actual, string what)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var differences = expected.Where(e => !e.Value.SequenceEqual(actual[e.Key]))
            .Select(e => $"{e.Key}: expected [{string.Join(",", e.Value)}] got [{string.Join(",", actual[e.Key])}]").ToList();
        Assert.True(differences.Count == 0, $"{what}: {differences.Count} KPI cells differ:\n{string.Join("\n", differences.Take(20))}");
    }

    public void Dispose()
    {
        foreach (var dir in _dirs)
            TestFiles.DeleteTempDir(dir);
    }
}
