using Shinsa.Ingestion.Synthetic;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Csv;
using Shinsa.Ingestion.Uke;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>The KPI catalogue, its live stream and the host status (issue 5).</summary>
public sealed class KpiCatalogTests : IDisposable
{
    private const string InsurerToken = "insurer-01010016-token";
    private readonly SiloFactory _silo = new(SiloFactory.Tokens((InsurerToken, "insurer:01010016")));

    public void Dispose() => _silo.Dispose();

    private static double? Kpi(JsonElement catalog, string id)
    {
        var kpi = catalog.GetProperty("kpis").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id);
        return kpi.GetProperty("value").ValueKind == JsonValueKind.Null ? null : kpi.GetProperty("value").GetDouble();
    }

    [Fact]
    public async Task The_catalogue_sums_the_partials_by_scope_and_by_either_month_and_leaves_unknown_kpis_null()
    {
        var client = await _silo.StartAsync();
        var sample = TestFiles.SampleUkeBytes();
        await client.WaitAppliedAsync(await client.SubmitAsync(sample));

        var insurer = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=insurer&id=01010016&service_month=2021-10");
        Assert.Equal((45.0, 49.0, 65_213.0, 652_130.0), (Kpi(insurer, "receipts"), Kpi(insurer, "days"), Kpi(insurer, "points"), Kpi(insurer, "cost_yen")));
        Assert.Equal(Math.Round(65_213 / 45.0, 2), Kpi(insurer, "points_per_receipt"));
        // 指摘件数 and 指摘金額 come from the partials; they agree with the worklist's open findings of the same month.
        var open = await client.GetFromJsonAsync<JsonElement>("/api/v1/findings?insurer=01010016&service_month=2021-10&state=open");
        var openCount = open.GetProperty("total").GetInt32();
        Assert.True(openCount > 0, "the sample's duplicate 外来 receipts give DUP findings");
        Assert.Equal(openCount, Kpi(insurer, "findings"));
        Assert.Equal(open.GetProperty("items").EnumerateArray().Sum(f => f.GetProperty("yen_at_stake").GetInt64()), Kpi(insurer, "finding_yen"));
        Assert.Equal(Math.Round(openCount * 1000 / 45.0, 2), Kpi(insurer, "findings_per_1000"));
        // The sample comes with no eligibility, check-ups or 柔整: the rates over them have no denominator (null, not 0).
        Assert.Equal(0, Kpi(insurer, "insured"));
        foreach (var rate in new[] { "consultation_rate", "cost_per_insured", "judo_multi_share", "checkup_rate", "prevention_visit_rate" })
            Assert.Null(Kpi(insurer, rate));
        Assert.NotNull(Kpi(insurer, "high_cost_payable_yen"));
        Assert.Equal(0, Kpi(insurer, "assessment_rate_count")); // no decision yet: 0 %, not unknown

        // Per check and the people counts agree with the worklist (the findings endpoint) for every check.
        var byCheck = insurer.GetProperty("by_check").EnumerateArray()
            .ToDictionary(c => c.GetProperty("check_id").GetString()!, c => (c.GetProperty("findings").GetInt64(), c.GetProperty("yen_at_stake").GetInt64()));
        var worklist = (await client.GetFromJsonAsync<JsonElement>("/api/v1/findings?insurer=01010016&service_month=2021-10&state=open&page_size=1000"))
            .GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(byCheck);
        var dup = insurer.GetProperty("by_check").EnumerateArray().Single(c => c.GetProperty("check_id").GetString() == "DUP");
        Assert.Equal(Math.Round(byCheck["DUP"].Item1 * 1000 / 45.0, 2), dup.GetProperty("per_1000").GetDouble());
        Assert.Equal(worklist.GroupBy(f => f.GetProperty("check_id").GetString()!).ToDictionary(g => g.Key,
            g => ((long)g.Count(), g.Sum(f => f.GetProperty("yen_at_stake").GetInt64()))), byCheck);
        double People(string check) => worklist.Where(f => f.GetProperty("check_id").GetString() == check)
            .Select(f => (f.GetProperty("card_symbol").GetString(), f.GetProperty("card_number").GetString(), f.GetProperty("person").GetString())).Distinct().Count();
        Assert.Equal(People("VISITS"), Kpi(insurer, "frequent_visitors"));
        Assert.Equal(worklist.Count(f => f.GetProperty("check_id").GetString() == "THIRD"), Kpi(insurer, "third_party_candidates"));
        Assert.Equal(People("DRUGS"), Kpi(insurer, "duplicate_drug_people") + Kpi(insurer, "polypharmacy_people"));
        var label = insurer.GetProperty("kpis").EnumerateArray().Single(k => k.GetProperty("id").GetString() == "points_per_receipt");
        Assert.Equal("1件当たり点数", label.GetProperty("label").GetString());

        var prefecture = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=prefecture&service_month=2021-10");
        Assert.Equal(75, Kpi(prefecture, "receipts"));
        Assert.Equal(86_392, Kpi(prefecture, "points"));
        var provider = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=provider&id=0000000&insurer=34130021&service_month=2021-10");
        Assert.Equal((15.0, 12_102.0), (Kpi(provider, "receipts"), Kpi(provider, "points")));
        Assert.Null(Kpi(provider, "high_cost_payable_yen")); // per household, not per provider
        var empty = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=insurer&id=01010016&service_month=2021-09");
        Assert.Equal(0, Kpi(empty, "receipts"));
        Assert.Null(Kpi(empty, "points_per_receipt")); // 0 receipts: undefined, not 0

        var billingMonth = UkeParser.Parse(sample, "RECEIPTC.UKE").BillingMonth.ToString();
        Assert.NotEqual("2021-10", billingMonth);
        var byBilling = await client.GetFromJsonAsync<JsonElement>($"/api/v1/kpis?scope=prefecture&billing_month={billingMonth}");
        Assert.Equal("billing_month", byBilling.GetProperty("axis").GetString());
        Assert.Equal(75, Kpi(byBilling, "receipts"));
        Assert.Equal(0, Kpi(await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=prefecture&billing_month=2021-10"), "receipts"));

        var trend = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis/trend?scope=insurer&id=01010016");
        var month = Assert.Single(trend.EnumerateArray());
        Assert.Equal(("2021-10", 45L), (month.GetProperty("month").GetString(), month.GetProperty("receipts").GetInt64()));
        var billingTrend = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis/trend?scope=prefecture&axis=billing_month");
        Assert.Equal(billingMonth, Assert.Single(billingTrend.EnumerateArray()).GetProperty("month").GetString());

        var insurers = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis/insurers?service_month=2021-10");
        Assert.Equal(75, insurers.EnumerateArray().Sum(i => i.GetProperty("receipts").GetInt64()));
        Assert.Equal(45, insurers.EnumerateArray().Single(i => i.GetProperty("insurer_no").GetString() == "01010016").GetProperty("receipts").GetInt64());
    }

    [Fact]
    public async Task The_worklists_pages_of_any_size_put_together_are_the_whole_list_in_order()
    {
        var client = await _silo.StartAsync();
        // A variant of the sample: its receipts' 国保 cards have no eligibility (ELIG-NONE), a few findings per insurer.
        await client.WaitAppliedAsync(await client.SubmitAsync(SampleReplicator.MakeVariant(TestFiles.SampleUkeBytes(), 1)));
        var path = $"/api/v1/findings?insurer={SampleReplicator.Insurers[0]}&service_month=2021-10";
        async Task<(int Total, List<string> Ids)> Page(int page, int size)
        {
            var result = await client.GetFromJsonAsync<JsonElement>($"{path}&page={page}&page_size={size}");
            return (result.GetProperty("total").GetInt32(), result.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList());
        }
        var (total, all) = await Page(1, 1000);
        Assert.True(total >= 7, $"the variant gives {total} findings for this insurer");
        Assert.Equal(total, all.Count);
        // Newest 請求年月 (of a finding's receipts, "provider/yyyy-MM/no") first, then the most yen at stake, then by id.
        var items = (await client.GetFromJsonAsync<JsonElement>($"{path}&page_size=1000")).GetProperty("items").EnumerateArray()
            .Select(f => (Billed: f.GetProperty("receipts").EnumerateArray().Select(r => r.GetString()!.Split('/')[1]).Max()!,
                Yen: f.GetProperty("yen_at_stake").GetInt64(), Id: f.GetProperty("id").GetString()!)).ToList();
        Assert.Equal(items.OrderByDescending(i => i.Billed, StringComparer.Ordinal).ThenByDescending(i => i.Yen).ThenBy(i => i.Id, StringComparer.Ordinal), items);
        for (var size = 1; size <= 3; size++)
        {
            var pieces = new List<string>();
            for (var page = 1; page <= (total + size - 1) / size + 1; page++)
            {
                var (t, ids) = await Page(page, size);
                Assert.Equal(total, t);
                pieces.AddRange(ids);
            }
            Assert.Equal(all, pieces);
        }
    }

    [Fact]
    public async Task Assessment_and_return_rates_follow_the_review_decisions()
    {
        var client = await _silo.StartAsync();
        await client.WaitAppliedAsync(await client.SubmitAsync(TestFiles.SampleUkeBytes()));
        // Receipts 1 (13,642 points) and 3 (14,321 points) of the sample are insurer 01010016's.
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/decisions",
            "provider_code,billing_month,receipt_no,decision,points_cut\n0000000,2021-11,1,査定,1000\n0000000,2021-11,3,返戻,0\n"));
        Assert.Equal(HttpStatusCode.Forbidden, (await _silo.ClientWith(InsurerToken).PostFile("/api/v1/decisions",
            System.Text.Encoding.UTF8.GetBytes("provider_code,billing_month,receipt_no,decision,points_cut\n0000000,2021-11,5,査定,10\n"), "d.csv")).StatusCode);

        var kpis = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=insurer&id=01010016&service_month=2021-10");
        Assert.Equal((44.0, 1.0, 1_000.0, 1.0), (Kpi(kpis, "receipts"), Kpi(kpis, "assessed"), Kpi(kpis, "assessed_points"), Kpi(kpis, "returned")));
        Assert.Equal(65_213 - 1_000 - 14_321, Kpi(kpis, "points"));
        Assert.Equal(Math.Round(100 / 44.0, 3), Kpi(kpis, "assessment_rate_count"));
        Assert.Equal(Math.Round(1_000 * 100.0 / (65_213 - 14_321), 3), Kpi(kpis, "assessment_rate_points"));
        Assert.Equal(Math.Round(100 / 45.0, 3), Kpi(kpis, "return_rate"));
        var other = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=insurer&id=34130021&service_month=2021-10");
        Assert.Equal((0.0, 0.0), (Kpi(other, "assessment_rate_count"), Kpi(other, "return_rate")));
    }

    private static readonly HouseholdCard CardA = new("040014", "12", "345"), CardB = new("040014", "12", "346");

    private static Receipt Claim(ClaimKind kind, string provider, int no, HouseholdCard card, string branch, int birth, string diagnosis,
        params ServiceLine[] lines)
    {
        var points = lines.Sum(l => l.Contribution);
        return new Receipt(new ReceiptKey(provider, new YearMonth(202405), no), kind, $"{(int)kind}112", new YearMonth(202404), card, branch, 1, birth,
            "シンサ", 70, null, null, 1, (int)points, points, null, [], kind == ClaimKind.Pharmacy ? [] : [new Diagnosis(diagnosis, 20240401, 1, true)],
            [.. lines], 1, kind == ClaimKind.Pharmacy ? "0110001" : null);
    }

    private static ServiceLine Revisit => new(LineKind.Procedure, "12", "112007410", null, 73, 1, 1u);
    private static ServiceLine Drug(string code, decimal quantity, int points, int times) => new(LineKind.Drug, "21", code, quantity, points, times, 1u);

    /// <summary>
    /// The rates over populations, drugs, 柔整 and the review, for one hand-computed April 2024 of insurer 040014:
    /// <list type="bullet">
    /// <item>Insured in April: P1 (open), P2 (to 10 April), P4 (since 2023): 3; P3 joins in May. In May: P1, P3, P4.</item>
    /// <item>医科: P1 at two clinics, P2 and P4 at one: 4 receipts of 73 points; 調剤 for P1: 357 points. 受診率 = 4 / 3 × 100
    /// = 133.3; 一人当たり医療費 = (4 × 730 + 3,570) / 3 = 2,163.</item>
    /// <item>後発: アムロジピン (generic) 1 × 28, ノルバスク (its brand) 2 × 7, ジャヌビア (no generic) 1 × 28: 28 / (28 + 14) = 66.7 %.</item>
    /// <item>第三者行為: P1's and P2's first-clinic receipts carry 外傷; P1 has a 傷病届: 1 of 2 = 50.0 %.</item>
    /// <item>柔整: P1 3 parts 16 days 9,800 yen, P2 2 parts 20 days 12,000 yen: 3部位以上かつ15日以上 50.0 %, 15日以上 100.0 %, 18 days a claim.</item>
    /// <item>特定健診 FY2024: targets P1 (born 1970, on the card all year) and P4 (born 1960); P2 left, P3 is 35: 2. P1 examined: 50.0 %.</item>
    /// <item>重症化予防: P1's check-up of June 2024 is at 受診勧奨 level; its 10-month window ends in April 2025, no visit: 1 referred, 0.0 %.</item>
    /// </list>
    /// </summary>
    [Fact]
    public async Task Population_drug_judo_and_review_rates_of_a_hand_computed_month()
    {
        var client = await _silo.StartAsync();
        const string header = TestFiles.EligibilityHeader + "\n";
        var eligibility = await client.PostCsvAsync("/api/v1/eligibility", header +
            "acquire,P1,H1,040014,12,345,01,1970-01-01,1,2024-01-01,,30,ウ,kokuho\n" +
            "acquire,P2,H1,040014,12,345,02,1975-06-01,1,2024-01-01,2024-04-10,30,ウ,kokuho\n" +
            "acquire,P3,H2,040014,12,346,01,1990-01-01,1,2024-05-01,,30,ウ,kokuho\n" +
            "acquire,P4,H2,040014,12,346,02,1960-03-01,2,2023-04-01,,30,ウ,kokuho\n");
        await client.WaitAppliedAsync(eligibility);
        const string injury = "9599001", cold = "4659007";
        var clinic = UkeWriter.Write(new UkeWriter.Provider(ClaimKind.Medical, "0110001", "04", "テスト医院", new YearMonth(202405)),
        [
            Claim(ClaimKind.Medical, "0110001", 1, CardA, "01", 19700101, injury, Revisit),
            Claim(ClaimKind.Medical, "0110001", 2, CardA, "02", 19750601, injury, Revisit),
            Claim(ClaimKind.Medical, "0110001", 3, CardB, "02", 19600301, cold, Revisit),
        ]);
        var clinic2 = UkeWriter.Write(new UkeWriter.Provider(ClaimKind.Medical, "0110002", "04", "テスト内科", new YearMonth(202405)),
            [Claim(ClaimKind.Medical, "0110002", 1, CardA, "01", 19700101, cold, Revisit)]);
        var pharmacy = UkeWriter.Write(new UkeWriter.Provider(ClaimKind.Pharmacy, "0410001", "04", "テスト薬局", new YearMonth(202405)),
            [Claim(ClaimKind.Pharmacy, "0410001", 1, CardA, "01", 19700101, cold,
                Drug("620421002", 1m, 1, 28), Drug("610421001", 2m, 3, 7), Drug("610465001", 1m, 11, 28))]);
        foreach (var file in new[] { clinic, clinic2, pharmacy }) await client.WaitAppliedAsync(await client.SubmitAsync(file));
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/third-party-reports",
            ThirdPartyReportCsv.Write([new ThirdPartyReport(CardA, "01", 20240420, "交通事故", 0)])));
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/judo-claims", JudoClaimCsv.Write(
        [
            new JudoClaim("5010001", new YearMonth(202405), 1, CardA, "01", 19700101, 1, new YearMonth(202404), 20240401, "S934", 3, 0xFFFFu, 9_800, 2_940, 0),
            new JudoClaim("5010001", new YearMonth(202405), 2, CardA, "02", 19750601, 1, new YearMonth(202404), 20240401, "S934", 2, 0xFFFFFu, 12_000, 3_600, 0),
        ])));
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/checkups",
            CheckupCsv.Write([new Checkup(CardA, "01", 20240601, 7.5m, null, 120, 70, null, null, null, null, 0)])));

        var april = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=insurer&id=040014&service_month=2024-04");
        Assert.Equal(3, Kpi(april, "insured"));
        Assert.Equal(133.3, Kpi(april, "consultation_rate"));
        Assert.Equal(2_163, Kpi(april, "cost_per_insured"));
        Assert.Equal(66.7, Kpi(april, "generic_share"));
        Assert.Equal((2.0, 50.0), (Kpi(april, "injury_receipts"), Kpi(april, "third_party_report_rate")));
        Assert.Equal((2.0, 21_800.0, 18.0), (Kpi(april, "judo_claims"), Kpi(april, "judo_cost_yen"), Kpi(april, "judo_days_per_claim")));
        Assert.Equal((50.0, 100.0, 50.0), (Kpi(april, "judo_parts3_share"), Kpi(april, "judo_days15_share"), Kpi(april, "judo_multi_share")));
        Assert.Equal((2.0, 1.0, 50.0), (Kpi(april, "checkup_targets"), Kpi(april, "checkup_examinees"), Kpi(april, "checkup_rate")));
        Assert.Equal(0, Kpi(april, "prevention_referrals"));
        Assert.Null(Kpi(april, "prevention_visit_rate"));
        Assert.Equal(3, Kpi(await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=prefecture&service_month=2024-05"), "insured"));
        var windowEnd = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=insurer&id=040014&service_month=2025-04");
        Assert.Equal((1.0, 0.0), (Kpi(windowEnd, "prevention_referrals"), Kpi(windowEnd, "prevention_visit_rate")));
        // March 2025 closes FY2024; April 2025 opens FY2025 with the same two targets and no one examined yet.
        Assert.Equal(50.0, Kpi(await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=insurer&id=040014&service_month=2025-03"), "checkup_rate"));
        Assert.Equal((2.0, 0.0), (Kpi(windowEnd, "checkup_targets"), Kpi(windowEnd, "checkup_rate")));

        // A provider's own rates; the population ones are not its and say why.
        var dispensing = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=provider&id=0410001&service_month=2024-04");
        Assert.Equal(66.7, Kpi(dispensing, "generic_share"));
        var judo = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=provider&id=5010001&service_month=2024-04");
        Assert.Equal((2.0, 50.0), (Kpi(judo, "judo_claims"), Kpi(judo, "judo_multi_share")));
        var firstClinic = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=provider&id=0110001&service_month=2024-04");
        Assert.Equal((2.0, 50.0), (Kpi(firstClinic, "injury_receipts"), Kpi(firstClinic, "third_party_report_rate")));
        Assert.Null(Kpi(firstClinic, "consultation_rate"));
        Assert.Contains("insurer and prefecture", NotForScope(firstClinic, "insured"));
        // By billing month: the claims' rates are there, the populations are by service month only.
        var billing = await client.GetFromJsonAsync<JsonElement>("/api/v1/kpis?scope=insurer&id=040014&billing_month=2024-05");
        Assert.Equal((66.7, 50.0), (Kpi(billing, "generic_share"), Kpi(billing, "judo_multi_share")));
        Assert.Null(Kpi(billing, "insured"));
        Assert.Equal("by service month only", NotForScope(billing, "insured"));
    }

    private static string? NotForScope(JsonElement catalog, string id) =>
        catalog.GetProperty("kpis").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id).GetProperty("not_for_scope").GetString();

    [Theory]
    [InlineData("scope=insurer&service_month=2021-10")]
    [InlineData("scope=county&service_month=2021-10")]
    [InlineData("scope=prefecture")]
    [InlineData("scope=prefecture&service_month=2021-13")]
    public async Task A_bad_catalogue_query_is_400(string query)
    {
        var client = await _silo.StartAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/kpis?{query}")).StatusCode);
    }

    [Fact]
    public async Task A_subscribed_stream_receives_the_updated_kpis_after_a_submission()
    {
        var admin = await _silo.StartAsync();
        var insurer = _silo.ClientWith(InsurerToken);
        using var response = await insurer.GetAsync("/api/v1/kpis/stream?scope=insurer&id=01010016&service_month=2021-10",
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        async Task<JsonElement> NextKpi()
        {
            string? eventName = null;
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
                if (line.StartsWith("event: ")) eventName = line[7..];
                else if (line.StartsWith("data: ") && eventName == "kpi") return JsonDocument.Parse(line[6..]).RootElement;
            }
        }

        var first = await NextKpi();
        Assert.Equal(0, Kpi(first, "receipts"));
        await admin.SubmitAsync(TestFiles.SampleUkeBytes());
        var next = await NextKpi();
        while (Kpi(next, "receipts") != 45) next = await NextKpi(); // a file is applied shard by shard
        Assert.Equal(65_213, Kpi(next, "points"));
        Assert.Equal("01010016", next.GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_host_status_lists_every_shard_with_its_positions_and_snapshot_age()
    {
        using var silo = new SiloFactory(new() { ["Shinsa:SnapshotInterval"] = "00:00:00.5" });
        var client = await silo.StartAsync();
        await client.WaitAppliedAsync(await client.SubmitAsync(TestFiles.SampleUkeBytes()));
        var host = await client.GetFromJsonAsync<JsonElement>("/api/v1/host");
        Assert.True(host.GetProperty("ready").GetBoolean());
        Assert.Equal(8, host.GetProperty("shard_count").GetInt32());
        Assert.Equal(2, host.GetProperty("workers").GetInt32());
        var shards = host.GetProperty("shards").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 8), shards.Select(s => s.GetProperty("shard").GetInt32()));
        Assert.Contains(shards, s => s.GetProperty("applied_seq").GetInt64() > 0);
        Assert.True(host.GetProperty("records_applied").GetInt64() >= 75, "the sample's 75 receipts (and the review clock's records) were applied");
        Assert.Equal(0, host.GetProperty("backlog").GetInt64());
        // The silo runs in this test's process: its CPU seconds are this process's, read before and after the host's.
        // So are its allocated bytes and GC pauses.
        var before = (Cpu: System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, Allocated: GC.GetTotalAllocatedBytes(),
            Pauses: GC.GetTotalPauseDuration().TotalSeconds);
        var measured = await client.GetFromJsonAsync<JsonElement>("/api/v1/host");
        var after = (Cpu: System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, Allocated: GC.GetTotalAllocatedBytes(),
            Pauses: GC.GetTotalPauseDuration().TotalSeconds);
        Assert.InRange(measured.GetProperty("cpu_seconds").GetDouble(), before.Cpu - 0.001, after.Cpu + 0.001);
        Assert.InRange(measured.GetProperty("allocated_bytes").GetInt64(), before.Allocated, after.Allocated);
        Assert.InRange(measured.GetProperty("gc_pause_seconds").GetDouble(), before.Pauses - 0.001, after.Pauses + 0.001);
        Assert.Equal(Environment.ProcessorCount, host.GetProperty("processors").GetInt32());

        // Snapshots follow within the interval; the sampler (once a second) sees the checkpoint positions move.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            host = await client.GetFromJsonAsync<JsonElement>("/api/v1/host");
            var snapshotted = host.GetProperty("shards").EnumerateArray()
                .Where(s => s.GetProperty("checkpoint_seq").GetInt64() > 0 && s.GetProperty("snapshot_age_seconds").ValueKind == JsonValueKind.Number).ToList();
            if (snapshotted.Count > 0)
            {
                Assert.All(snapshotted, s => Assert.InRange(s.GetProperty("snapshot_age_seconds").GetDouble(), 0, 15));
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"no snapshot age after 15 s: {host}");
            await Task.Delay(200);
        }
    }
}
