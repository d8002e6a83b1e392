using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Ingestion.Uke;
using Shinsa.Tests.Common;
using Xunit.Abstractions;

namespace Shinsa.Silo.Tests;

/// <summary>
/// Several silo processes over one PostgreSQL: failover after SIGKILL, fencing after SIGSTOP, join and graceful
/// leave. Every test ends with exact KPI totals compared with the totals computed from the files themselves (the
/// result of a single silo with no crash: CrashReplayTests proves the two equal), read from every live silo; after the
/// SIGKILL, the open findings and 高額療養費 of every surviving silo also equal those of one embedded silo.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper output, PostgresServer postgres) : IDisposable
{
    // Most tests pin a small deployment (8 shards) to keep their logs short; null leaves the setting to the default.
    private int? _shardSetting = 8;
    private const int ClusterDefaultShards = 256; // the issue's default for cluster mode
    private int ShardCount => _shardSetting ?? ClusterDefaultShards;
    private readonly List<SiloProcess> _silos = [];
    private readonly string _dataDir = TestFiles.NewTempDir("shinsa-cluster");
    private string _connectionString = "";

    private static readonly byte[][] Corpus = BuildCorpus(150);

    private static byte[][] BuildCorpus(int files)
    {
        var sample = TestFiles.SampleUkeBytes();
        // Offset from CrashReplayTests' variants only for variety; any distinct files do.
        return Enumerable.Range(0, files).Select(i => SampleReplicator.MakeVariant(sample, 1000 + i)).ToArray();
    }

    private Dictionary<string, string> Settings(TimeSpan leaseTimeout) => new()
    {
        ["Shinsa__Storage"] = "postgres",
        ["Shinsa__Postgres__ConnectionString"] = _connectionString,
        ["Shinsa__Workers"] = "2",
        ["Shinsa__LeaseTimeout"] = leaseTimeout.ToString("c"),
        ["Shinsa__SnapshotEveryRecords"] = "400",
        ["Shinsa__SnapshotInterval"] = "00:00:00.300",
        ["Shinsa__ResidentGrainCap"] = "800",
        ["Shinsa__IdleAfter"] = "00:00:01",
        ["Shinsa__MaxBacklogRecords"] = "3000",
    };

    /// <summary>Starts silos over the test's database, each with a data dir of its own (as on separate machines).</summary>
    private async Task<List<SiloProcess>> StartSilos(int count, TimeSpan leaseTimeout, IDictionary<string, string?>? more = null)
    {
        if (_connectionString == "") _connectionString = postgres.NewDatabase();
        var settings = Settings(leaseTimeout);
        if (_shardSetting is { } shards) settings["Shinsa__ShardCount"] = shards.ToString();
        // Settings named as in configuration (Shinsa:Auth:…) become the environment's names (Shinsa__Auth__…).
        foreach (var (key, value) in more ?? new Dictionary<string, string?>()) settings[key.Replace(":", "__")] = value!;
        var started = Enumerable.Range(0, count)
            .Select(_ => SiloProcess.Start(Directory.CreateDirectory(Path.Combine(_dataDir, $"silo-{Guid.NewGuid():N}")).FullName, settings))
            .ToList();
        _silos.AddRange(started);
        await Task.WhenAll(started.Select(s => s.WaitReadyAsync()));
        return started;
    }

    [Fact]
    public async Task A_silo_killed_mid_stream_loses_nothing_and_its_shards_are_owned_again_within_15_seconds()
    {
        var silos = await StartSilos(3, TimeSpan.FromSeconds(3));
        await WaitBalanced(silos, TimeSpan.FromSeconds(30));
        var victim = silos[1];
        var victimId = await SiloId(victim);
        var survivors = new List<SiloProcess> { silos[0], silos[2] };

        // Stream to all three; kill one once a third of the files are acknowledged, keep streaming to the others.
        var acks = 0;
        var streaming = SubmitAll(silos, Corpus, () => Interlocked.Increment(ref acks));
        while (Volatile.Read(ref acks) < Corpus.Length / 3) await Task.Delay(5);
        var view = await ClusterView(survivors[0]);
        var victimShards = view.GetProperty("leases").EnumerateArray()
            .Where(l => l.GetProperty("owner").GetString() == victimId).Select(l => l.GetProperty("shard").GetInt32()).ToList();
        var clock = Stopwatch.StartNew();
        victim.Kill();
        output.WriteLine($"killed {victimId} (shards {string.Join(",", victimShards)}) after {acks} acknowledgements");
        Assert.NotEmpty(victimShards);

        // Its shards are owned again, by live silos that serve them, within 15 s.
        var survivorIds = new[] { await SiloId(survivors[0]), await SiloId(survivors[1]) };
        while (true)
        {
            var served = (await Task.WhenAll(survivors.Select(LocalShards))).SelectMany(s => s).ToHashSet();
            if (victimShards.All(served.Contains)) break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"shards {string.Join(",", victimShards.Except(served))} not served 15 s after the kill");
            await Task.Delay(100);
        }
        var failover = clock.Elapsed;
        output.WriteLine($"failover: the killed silo's shards were served again after {failover.TotalSeconds:F1} s");
        Assert.True(failover < TimeSpan.FromSeconds(15));

        await streaming;
        // Resubmit every file (acknowledged or not) to the survivors: duplicates change nothing.
        await SubmitAll(survivors, Corpus, null);
        await AssertExactTotals(survivors);
        await AssertSameReviewAsOneEmbeddedSilo(survivors);
        var leases = (await ClusterView(survivors[0])).GetProperty("leases").EnumerateArray().ToList();
        Assert.All(leases, l => Assert.Contains(l.GetProperty("owner").GetString(), survivorIds));
    }

    [Fact]
    public async Task A_silo_paused_past_its_lease_drops_the_shards_it_lost_and_cannot_overwrite_them()
    {
        var silos = await StartSilos(2, TimeSpan.FromSeconds(2));
        var (paused, other) = (silos[0], silos[1]);
        await WaitBalanced(silos, TimeSpan.FromSeconds(30));
        await SubmitAll(silos, Corpus[..50], null);
        var pausedId = await SiloId(paused);
        var before = (await ClusterView(paused)).GetProperty("local").EnumerateArray()
            .ToDictionary(l => l.GetProperty("shard").GetInt32(), l => l.GetProperty("epoch").GetInt64());
        Assert.True(before.Count > 0, "the silo to pause serves no shard:\n" + LeaseLines(paused));

        paused.Signal("STOP");
        try
        {
            // The other silo takes every shard once the paused one's leases expire.
            await WaitUntil(async () => (await LocalShards(other)).Count == ShardCount, TimeSpan.FromSeconds(20), "take-over of the paused silo's shards");
            // More records for those shards while the paused silo still believes it holds them.
            await SubmitAll([other], Corpus[50..100], null);
        }
        finally
        {
            paused.Signal("CONT");
        }

        // On resuming, it notices and drops the lost shards: its renewal is refused, or a fenced write is refused, or
        // that write fails on a closed connection (SIGSTOP caught it inside a checkpoint's transaction, which the server
        // ended so that the lease could move). Each of these is logged as a drop of the shard at its old epoch.
        try
        {
            await WaitUntil(() => Task.FromResult(before.Keys.All(s =>
                paused.Output.Contains($"dropped shard {s} (epoch {before[s]}) and its"))), TimeSpan.FromSeconds(20), "the paused silo dropping its shards");
        }
        finally
        {
            output.WriteLine(LeaseLines(paused));
        }

        // No split brain afterwards: whatever it serves now, it holds with the current epoch (re-acquired after a rebalance).
        var view = await ClusterView(paused);
        var leases = view.GetProperty("leases").EnumerateArray().ToDictionary(l => l.GetProperty("shard").GetInt32());
        foreach (var local in view.GetProperty("local").EnumerateArray())
        {
            var lease = leases[local.GetProperty("shard").GetInt32()];
            Assert.Equal(pausedId, lease.GetProperty("owner").GetString());
            Assert.Equal(lease.GetProperty("epoch").GetInt64(), local.GetProperty("epoch").GetInt64());
        }
        foreach (var (shard, epoch) in before) Assert.True(leases[shard].GetProperty("epoch").GetInt64() > epoch);

        await SubmitAll(silos, Corpus[100..], null);
        await SubmitAll(silos, Corpus, null);
        await AssertExactTotals(silos);
    }

    [Fact]
    public async Task A_joining_silo_gets_its_share_and_a_graceful_stop_hands_its_shards_back_without_waiting_for_the_timeout()
    {
        // On a new database with the shard count unset: the deployment default, many shards per silo.
        _shardSetting = null;
        var leaseTimeout = TimeSpan.FromSeconds(10);
        var silos = await StartSilos(3, leaseTimeout);
        await WaitBalanced(silos, TimeSpan.FromSeconds(40));
        Assert.Equal(ClusterDefaultShards, (await ClusterView(silos[0])).GetProperty("leases").GetArrayLength());
        await SubmitAll(silos, Corpus[..50], null);

        var joiner = (await StartSilos(1, leaseTimeout))[0];
        var all = silos.Append(joiner).ToList();
        await WaitBalanced(all, TimeSpan.FromSeconds(40));
        var joinerShards = await LocalShards(joiner);
        Assert.Equal(ShardCount / 4, joinerShards.Count);
        await SubmitAll(all, Corpus[50..100], null);

        var clock = Stopwatch.StartNew();
        await joiner.StopGracefullyAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("released its lease", joiner.Output);
        await WaitUntil(async () =>
        {
            var served = (await Task.WhenAll(silos.Select(LocalShards))).SelectMany(s => s).ToList();
            return served.Count == ShardCount && served.Distinct().Count() == ShardCount;
        }, leaseTimeout, "the remaining silos serving every shard before the lease timeout");
        output.WriteLine($"graceful hand-over: every shard served again {clock.Elapsed.TotalSeconds:F1} s after SIGTERM (lease timeout {leaseTimeout.TotalSeconds} s)");
        var view = await ClusterView(silos[0]);
        Assert.Equal(3, view.GetProperty("silos").GetArrayLength()); // the leaver removed itself

        await SubmitAll(silos, Corpus[100..], null);
        await SubmitAll(silos, Corpus, null);
        await AssertExactTotals(silos);
    }

    // ---- helpers ----

    /// <summary>What a silo logged of the leases it lost and the shards it dropped.</summary>
    private static string LeaseLines(SiloProcess silo) =>
        string.Join("\n", silo.Output.Split('\n').Where(l => l.Contains("lost the lease") || l.Contains("dropped shard") || l.Contains("since the previous lease round")));

    private static async Task<JsonElement> ClusterView(SiloProcess silo) =>
        await silo.Client.GetFromJsonAsync<JsonElement>("/api/v1/cluster");

    private static async Task<string> SiloId(SiloProcess silo) => (await ClusterView(silo)).GetProperty("silo_id").GetString()!;

    private static async Task<List<int>> LocalShards(SiloProcess silo) =>
        (await ClusterView(silo)).GetProperty("local").EnumerateArray().Select(l => l.GetProperty("shard").GetInt32()).ToList();

    /// <summary>Every shard served by exactly one of the silos, each within its fair share.</summary>
    private async Task WaitBalanced(List<SiloProcess> silos, TimeSpan timeout)
    {
        var quota = (ShardCount + silos.Count - 1) / silos.Count;
        await WaitUntil(async () =>
        {
            var shards = await Task.WhenAll(silos.Select(LocalShards));
            var served = shards.SelectMany(s => s).ToList();
            return served.Count == ShardCount && served.Distinct().Count() == ShardCount && shards.All(s => s.Count <= quota);
        }, timeout, "a balanced cluster");
    }

    [Fact]
    public async Task A_providers_status_and_the_audit_log_are_the_same_through_every_silo()
    {
        const string providerToken = "provider-0000000-token";
        var silos = await StartSilos(2, TimeSpan.FromSeconds(3), SiloFactory.Tokens((providerToken, "provider:0000000")));
        var (a, b) = (silos[0], silos[1]);
        HttpClient As(SiloProcess silo, string token)
        {
            var client = new HttpClient { BaseAddress = new Uri(silo.Url) };
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            return client;
        }
        using var providerOnA = As(a, providerToken);
        using var providerOnB = As(b, providerToken);

        // The sample's provider (医療機関コード 0000000) submits through one silo and polls its status through the other,
        // as behind a load balancer; another provider's token would get 404 on either.
        var response = await providerOnA.PostAsync("/api/v1/submissions", new ByteArrayContent(TestFiles.SampleUkeBytes()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await WaitUntil(async () => (await providerOnB.GetFromJsonAsync<JsonElement>($"/api/v1/submissions/{id}"))
            .GetProperty("status").GetString() == "applied", TimeSpan.FromSeconds(30), "the status through the other silo");

        // A person-level read served by one silo is in the audit log every silo lists.
        const string worklist = "/api/v1/findings?insurer=01010016&service_month=2021-10";
        Assert.Equal(HttpStatusCode.OK, (await a.Client.GetAsync(worklist)).StatusCode);
        var audit = await b.Client.GetFromJsonAsync<JsonElement>("/api/v1/audit?what=findings");
        var entry = Assert.Single(audit.GetProperty("items").EnumerateArray());
        Assert.Equal(worklist, entry.GetProperty("subject").GetString());
        Assert.Equal("federation", entry.GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_kpi_stream_on_one_silo_shows_what_another_silo_ingested()
    {
        var silos = await StartSilos(2, TimeSpan.FromSeconds(3));
        await WaitBalanced(silos, TimeSpan.FromSeconds(30));
        var (a, b) = (silos[0], silos[1]);
        using var response = await b.Client.GetAsync("/api/v1/kpis/stream?scope=prefecture&service_month=2021-10", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        async Task<long> NextReceipts()
        {
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
                if (!line.StartsWith("data: ")) continue;
                var kpis = JsonDocument.Parse(line[6..]).RootElement.GetProperty("kpis").EnumerateArray();
                return kpis.First(k => k.GetProperty("id").GetString() == "receipts").GetProperty("value").GetInt64();
            }
        }

        Assert.Equal(0, await NextReceipts());
        // Half the shards are served by the silo that receives the file, half by the one streaming: the stream reads
        // the first half from their checkpoints as they move.
        await SubmitAll([a], Corpus[..4], null);
        var receipts = 0L;
        while (receipts < 4 * 75) receipts = await NextReceipts();
        Assert.Equal(4 * 75, receipts);
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Submits every file, spreading them over the silos; a refused connection (a killed silo) moves on to the next.</summary>
    private static async Task SubmitAll(List<SiloProcess> silos, IEnumerable<byte[]> files, Func<int>? onAcknowledged)
    {
        var next = 0;
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (file, token) =>
        {
            var target = Interlocked.Increment(ref next);
            for (var attempt = 0; ; attempt++)
            {
                Assert.True(attempt < 2000, "a file was never acknowledged");
                var silo = silos[(target + attempt) % silos.Count];
                try
                {
                    var content = new ByteArrayContent(file);
                    content.Headers.ContentType = new("application/octet-stream");
                    var response = await silo.Client.PostAsync("/api/v1/submissions", content, token);
                    if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                    {
                        await Task.Delay(50, token);
                        continue;
                    }
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                    onAcknowledged?.Invoke();
                    return;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(20, token);
                }
            }
        });
    }

    /// <summary>
    /// For each silo: waits until it reports every submission applied, then compares its KPI answers with the files'
    /// own totals, exactly ("applied" on a silo means included in the KPIs that silo answers, whoever owns the shards).
    /// Finally every shard's checkpoint and published cursor must come to cover its whole log.
    /// </summary>
    private async Task AssertExactTotals(List<SiloProcess> silos)
    {
        var ids = Corpus.Select(f => Ingest.SubmissionService.ClaimIdOf(f)).ToList();
        var expected = ExpectedFromFiles();
        foreach (var silo in silos)
        {
            foreach (var id in ids) await silo.Client.WaitAppliedAsync(id, TimeSpan.FromMinutes(2));
            var differences = new List<string>();
            foreach (var (query, want) in expected)
            {
                var kpi = await silo.Client.KpiAsync(query);
                long[] got = [kpi.GetProperty("receipts").GetInt64(), kpi.GetProperty("days").GetInt64(),
                    kpi.GetProperty("points").GetInt64(), kpi.GetProperty("cost_yen").GetInt64()];
                if (!want.SequenceEqual(got)) differences.Add($"{query}: expected [{string.Join(",", want)}] got [{string.Join(",", got)}]");
            }
            Assert.True(differences.Count == 0, $"{silo.Url}: {differences.Count} KPI cells differ:\n{string.Join("\n", differences.Take(20))}");
        }
        await WaitUntil(() => Task.FromResult(PositionsCoverTheLog("checkpoints")), TimeSpan.FromSeconds(30), "checkpoints covering the log");
        await WaitUntil(() => Task.FromResult(PositionsCoverTheLog("shard_leases")), TimeSpan.FromSeconds(5), "published cursors covering the log");
    }

    /// <summary>
    /// The findings and 高額療養費 every silo answers (after <see cref="AssertExactTotals"/>: everything applied and
    /// checkpointed) equal those of one embedded silo that ingested the same files with no crash.
    /// </summary>
    private async Task AssertSameReviewAsOneEmbeddedSilo(List<SiloProcess> silos)
    {
        string[] months = ["2021-10"];
        ReviewReads.Review expected;
        var dir = TestFiles.NewTempDir("shinsa-single");
        try
        {
            using var single = SiloProcess.Start(dir, new Dictionary<string, string> { ["Shinsa__ShardCount"] = ShardCount.ToString() });
            await single.WaitReadyAsync();
            await SubmitAll([single], Corpus, null);
            foreach (var id in Corpus.Select(f => Ingest.SubmissionService.ClaimIdOf(f))) await single.Client.WaitAppliedAsync(id, TimeSpan.FromMinutes(2));
            expected = await ReviewReads.ReadAsync(single.Client, SampleReplicator.Insurers, months);
        }
        finally
        {
            TestFiles.DeleteTempDir(dir);
        }
        Assert.NotEmpty(expected.Findings);
        foreach (var silo in silos)
        {
            var review = await ReviewReads.ReadAsync(silo.Client, SampleReplicator.Insurers, months);
            Assert.Equal(expected.Findings, review.Findings);
            Assert.Equal(expected.HighCost, review.HighCost);
            Assert.Equal(expected.Catalogue, review.Catalogue);
        }
        output.WriteLine($"{expected.Findings.Count} open findings on every silo, equal to one embedded silo's");
    }

    /// <summary>
    /// Whether every shard's position in <paramref name="table"/> has reached its last log entry: <c>checkpoints</c>
    /// (what a take-over recovers from) or <c>shard_leases</c> (the cursors the owners publish, at most every quarter second).
    /// </summary>
    private bool PositionsCoverTheLog(string table)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"""
            SELECT count(*) FROM (SELECT shard, max(seq) AS last FROM log GROUP BY shard) l
            LEFT JOIN {table} c ON c.shard = l.shard WHERE c.applied_seq IS NULL OR c.applied_seq < l.last
            """, connection);
        return (long)command.ExecuteScalar()! == 0;
    }

    /// <summary>Each service month's totals and those of every insurer and provider in it, from the parsed files.</summary>
    private static Dictionary<string, long[]> ExpectedFromFiles()
    {
        var receipts = Corpus.SelectMany((f, i) => UkeParser.Parse(f, $"f{i}").Receipts).ToList();
        Assert.Equal(Corpus.Length * 75, receipts.Count);
        var expected = new Dictionary<string, long[]>();
        void Add(string query, IEnumerable<Shinsa.Grains.Records.Receipt> matching)
        {
            var list = matching.ToList();
            expected[query] = [list.Count, list.Sum(r => (long)r.Days), list.Sum(r => (long)r.DeclaredPoints), list.Sum(r => r.CostYen)];
        }
        foreach (var month in receipts.GroupBy(r => r.ServiceMonth))
        {
            Add($"service_month={month.Key}", month);
            foreach (var insurer in month.GroupBy(r => r.Card.InsurerNo)) Add($"service_month={month.Key}&insurer={insurer.Key}", insurer);
            foreach (var provider in month.GroupBy(r => r.Key.ProviderCode)) Add($"service_month={month.Key}&provider={provider.Key}", provider);
        }
        return expected;
    }

    public void Dispose()
    {
        foreach (var silo in _silos) silo.Dispose();
        TestFiles.DeleteTempDir(_dataDir);
    }
}
