using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Uke;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>The HTTP contract of the foundation issue, against an in-process silo on a real SQLite file.</summary>
public sealed class ApiContractTests : IDisposable
{
    private readonly SiloFactory _silo = new();

    static ApiContractTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public void Dispose() => _silo.Dispose();

    // Expected figures were computed from the sample with awk, independently of the parser: per receipt, the HO
    // 実日数/合計点数 (KO's for the six 公費単独 receipts), summed.
    private const int SampleReceipts = 75;
    private const long SamplePoints = 86_392;
    private const long SampleDays = 86;

    [Fact]
    public async Task A_claim_file_is_accepted_applied_and_counted_in_the_kpis()
    {
        var client = await _silo.StartAsync();
        var id = await client.SubmitAsync(TestFiles.SampleUkeBytes());

        var status = await client.WaitAppliedAsync(id);
        Assert.Equal(id, status.GetProperty("id").GetString());
        var receipts = status.GetProperty("receipts");
        Assert.Equal(SampleReceipts, receipts.GetProperty("submitted").GetInt32());
        Assert.Equal(SampleReceipts, receipts.GetProperty("accepted").GetInt32());
        Assert.Equal(0, receipts.GetProperty("rejected").GetInt32());
        Assert.Equal(SamplePoints, status.GetProperty("points").GetInt64());
        Assert.Contains(status.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("140"));
        Assert.Empty(status.GetProperty("errors").EnumerateArray());

        var kpi = await client.KpiAsync("service_month=2021-10");
        Assert.Equal(SampleReceipts, kpi.GetProperty("receipts").GetInt64());
        Assert.Equal(SampleDays, kpi.GetProperty("days").GetInt64());
        Assert.Equal(SamplePoints, kpi.GetProperty("points").GetInt64());
        Assert.Equal(SamplePoints * 10, kpi.GetProperty("cost_yen").GetInt64());

        var insurer = await client.KpiAsync("service_month=2021-10&insurer=01010016");
        Assert.Equal(45, insurer.GetProperty("receipts").GetInt64());
        Assert.Equal(49, insurer.GetProperty("days").GetInt64());
        Assert.Equal(65_213, insurer.GetProperty("points").GetInt64());

        var provider = await client.KpiAsync("service_month=2021-10&insurer=34130021&provider=0000000");
        Assert.Equal(15, provider.GetProperty("receipts").GetInt64());
        Assert.Equal(12_102, provider.GetProperty("points").GetInt64());

        var otherMonth = await client.KpiAsync("service_month=2021-09");
        Assert.Equal(0, otherMonth.GetProperty("receipts").GetInt64());
    }

    [Fact]
    public async Task A_pharmacy_file_is_read_by_its_own_layout_and_counted_under_the_pharmacy()
    {
        // The sample's receipts recast as 調剤 (no 傷病名, no 入院, a prescriber each) and written with the 調剤 layout.
        var sample = UkeParser.Parse(TestFiles.SampleUkeBytes(), "RECEIPTC.UKE").Receipts;
        var pharmacy = sample.Select(r => r with
        {
            Key = r.Key with { ProviderCode = "4000001" },
            Kind = ClaimKind.Pharmacy,
            ReceiptType = $"4{r.ReceiptType[1..3]}2",
            AdmissionDate = null,
            Diagnoses = [],
            PrescriberCode = "0000000",
        }).ToList();
        var bytes = UkeWriter.Write(new UkeWriter.Provider(ClaimKind.Pharmacy, "4000001", "04", "テスト薬局", YearMonth.Of(2021, 11)), pharmacy);

        var client = await _silo.StartAsync();
        var status = await client.WaitAppliedAsync(await client.SubmitAsync(bytes, "RECEIPTY.UKE"));
        Assert.Equal(SampleReceipts, status.GetProperty("receipts").GetProperty("accepted").GetInt32());
        Assert.Empty(status.GetProperty("errors").EnumerateArray());

        var kpi = await client.KpiAsync("service_month=2021-10&provider=4000001");
        Assert.Equal(SampleReceipts, kpi.GetProperty("receipts").GetInt64());
        Assert.Equal(SamplePoints, kpi.GetProperty("points").GetInt64());
    }

    [Fact]
    public async Task Submitting_the_same_bytes_again_returns_the_same_id_and_changes_nothing()
    {
        var client = await _silo.StartAsync();
        var bytes = TestFiles.SampleUkeBytes();
        var first = await client.SubmitAsync(bytes);
        await client.WaitAppliedAsync(first);
        var second = await client.SubmitAsync(bytes);
        Assert.Equal(first, second);
        await client.WaitAppliedAsync(second);
        var kpi = await client.KpiAsync("service_month=2021-10");
        Assert.Equal(SampleReceipts, kpi.GetProperty("receipts").GetInt64());
        Assert.Equal(SamplePoints, kpi.GetProperty("points").GetInt64());
    }

    [Fact]
    public async Task Concurrent_identical_submissions_are_counted_once()
    {
        var client = await _silo.StartAsync();
        var bytes = TestFiles.SampleUkeBytes();
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.SubmitAsync(bytes)));
        Assert.Single(ids.Distinct());
        await client.WaitAppliedAsync(ids[0]);
        Assert.Equal(SamplePoints, (await client.KpiAsync("service_month=2021-10")).GetProperty("points").GetInt64());
    }

    [Fact]
    public async Task A_file_with_a_broken_receipt_reports_the_line_and_keeps_the_rest()
    {
        var client = await _silo.StartAsync();
        var lines = Encoding.GetEncoding(932).GetString(TestFiles.SampleUkeBytes()).Split("\r\n").ToList();
        var brokenLine = lines.FindIndex(l => l.StartsWith("SI,"));
        var fields = lines[brokenLine].Split(',');
        fields[6] = "x1"; // 回数 of the first SI line, field 7
        lines[brokenLine] = string.Join(',', fields);
        var id = await client.SubmitAsync(Encoding.GetEncoding(932).GetBytes(string.Join("\r\n", lines)));

        var status = await client.WaitAppliedAsync(id);
        Assert.Equal(SampleReceipts, status.GetProperty("receipts").GetProperty("submitted").GetInt32());
        Assert.Equal(SampleReceipts - 1, status.GetProperty("receipts").GetProperty("accepted").GetInt32());
        Assert.Equal(1, status.GetProperty("receipts").GetProperty("rejected").GetInt32());
        var error = Assert.Single(status.GetProperty("errors").EnumerateArray());
        Assert.Equal(brokenLine + 1, error.GetProperty("line").GetInt32());
        Assert.Contains("x1", error.GetProperty("reason").GetString());
        // The broken receipt is the first one: its HO 合計点数 is 13,642 (second line of the sample).
        Assert.Equal(SamplePoints - 13_642, (await client.KpiAsync("service_month=2021-10")).GetProperty("points").GetInt64());
    }

    [Theory]
    [InlineData("")]
    [InlineData("this is not a claim file\r\n")]
    [InlineData("RE,1,1122,202110\r\n")]
    public async Task A_body_that_is_not_a_claim_file_is_400_with_a_reason(string body)
    {
        var client = await _silo.StartAsync();
        var response = await client.PostFile("/api/v1/submissions", Encoding.UTF8.GetBytes(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task An_unknown_submission_is_404()
    {
        var client = await _silo.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/submissions/u0123")).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("service_month=2021-13")]
    [InlineData("service_month=October")]
    public async Task Kpi_summary_without_a_valid_month_is_400(string query)
    {
        var client = await _silo.StartAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/kpis/summary?{query}")).StatusCode);
    }

    [Fact]
    public async Task Eligibility_rows_are_counted_and_bad_rows_reported_by_line()
    {
        var client = await _silo.StartAsync();
        var csv = string.Join("\n",
            TestFiles.EligibilityHeader,
            "acquire,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho",
            "acquire,P2,H1,040014,12,345,02,1962-05-02,2,2024-04-01,,30,ウ,kokuho",
            "acquire,P3,H1,040014,12,345,03,1990-01-01,9,2024-04-01,,30,ウ,kokuho") + "\n";
        var response = await client.PostFile("/api/v1/eligibility", Encoding.UTF8.GetBytes(csv), "elig.csv");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, body.GetProperty("rows").GetProperty("submitted").GetInt32());
        Assert.Equal(2, body.GetProperty("rows").GetProperty("accepted").GetInt32());
        Assert.Equal(1, body.GetProperty("rows").GetProperty("rejected").GetInt32());
        Assert.Equal(4, Assert.Single(body.GetProperty("errors").EnumerateArray()).GetProperty("line").GetInt32());
        await client.WaitAppliedAsync(body.GetProperty("id").GetString()!);

        var store = _silo.Services.GetService(typeof(Storage.ILogStore)) as Storage.ILogStore;
        var card = store!.FindCard("040014", "12", "345", "02");
        Assert.Equal(("P2", "H1"), (card!.PersonId, card.HouseholdId));
    }

    [Fact]
    public async Task Checkups_third_party_reports_and_judo_claims_reach_the_household_and_its_snapshot()
    {
        var client = await _silo.StartAsync();
        async Task<JsonElement> Post(string path, string csv)
        {
            var response = await client.PostFile(path, Encoding.UTF8.GetBytes(csv), "feed.csv");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            await client.WaitAppliedAsync(body.GetProperty("id").GetString()!);
            return body;
        }

        var checkups = await Post("/api/v1/checkups", string.Join("\n",
            string.Join(',', Ingestion.Csv.CheckupCsv.Columns),
            "040014,12,345,01,2024-06-11,6.8,,152,88,71.5,141,24.3,",
            "040014,12,345,02,2024-06-12,,,,,,,,",
            "040014,12,345,03,2024-06-31,,,,,,,,") + "\n");
        Assert.Equal((3, 2, 1), (checkups.GetProperty("rows").GetProperty("submitted").GetInt32(),
            checkups.GetProperty("rows").GetProperty("accepted").GetInt32(), checkups.GetProperty("rows").GetProperty("rejected").GetInt32()));
        var error = Assert.Single(checkups.GetProperty("errors").EnumerateArray());
        Assert.Equal(4, error.GetProperty("line").GetInt32());
        Assert.Contains("exam_date", error.GetProperty("reason").GetString());

        await Post("/api/v1/third-party-reports", string.Join(',', Ingestion.Csv.ThirdPartyReportCsv.Columns) + "\n040014,12,345,01,2024-07-01,交通事故\n");
        await Post("/api/v1/judo-claims", string.Join(',', Ingestion.Csv.JudoClaimCsv.Columns) +
            "\n5010000,2024-06,1,040014,12,345,02,1980-02-03,2,2024-05,2024-04-20,S934,3,1;2;3,24500,7350\n");

        // The same bytes on another feed are another submission; on the same feed, the same one.
        var again = await client.PostFile("/api/v1/checkups", Encoding.UTF8.GetBytes(string.Join("\n",
            string.Join(',', Ingestion.Csv.CheckupCsv.Columns),
            "040014,12,345,01,2024-06-11,6.8,,152,88,71.5,141,24.3,",
            "040014,12,345,02,2024-06-12,,,,,,,,",
            "040014,12,345,03,2024-06-31,,,,,,,,") + "\n"), "feed.csv");
        Assert.Equal(checkups.GetProperty("id").GetString(), (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());

        // Stopping the shard workers writes every grain's snapshot; the household's holds what the feeds sent.
        await _silo.Host.StopAsync(CancellationToken.None);
        var store = (Storage.ILogStore)_silo.Services.GetService(typeof(Storage.ILogStore))!;
        var card = new HouseholdCard("040014", "12", "345");
        var snapshot = Grains.GrainCodec.DecodeSnapshot(store.LoadGrain(_silo.Host.Map.ShardOf(card), card.Key)!);
        Assert.Equal([("01", 20240611), ("02", 20240612)], snapshot.Checkups.Select(c => (c.Branch, c.ExamDate)));
        Assert.Equal(6.8m, snapshot.Checkups[0].HbA1c);
        Assert.Equal("交通事故", Assert.Single(snapshot.ThirdPartyReports).Cause);
        Assert.Equal((3, 3), (Assert.Single(snapshot.JudoClaims).Parts, snapshot.JudoClaims[0].TreatmentDays));
    }

    [Fact]
    public async Task Eligibility_with_a_wrong_header_is_400()
    {
        var client = await _silo.StartAsync();
        var response = await client.PostFile("/api/v1/eligibility", Encoding.UTF8.GetBytes("a,b,c\n1,2,3\n"), "elig.csv");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_full_backlog_answers_429_with_retry_after_and_accepts_again_once_drained()
    {
        using var silo = new SiloFactory(new() { ["Shinsa:MaxBacklogRecords"] = "100", ["Shinsa:RetryAfterSeconds"] = "2" });
        var client = await silo.StartAsync();
        silo.Host.PauseWorkers();
        var sample = TestFiles.SampleUkeBytes();
        var first = await client.SubmitAsync(sample); // 75 records wait in the backlog

        var variant = Ingestion.Synthetic.SampleReplicator.MakeVariant(sample, 1);
        var refused = await client.PostFile("/api/v1/submissions", variant);
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("accepted", (await client.GetFromJsonAsync<JsonElement>($"/api/v1/submissions/{first}")).GetProperty("status").GetString());

        silo.Host.ResumeWorkers();
        await client.WaitAppliedAsync(first);
        var second = await client.SubmitAsync(variant);
        await client.WaitAppliedAsync(second);
    }

    [Fact]
    public async Task Health_and_openapi_answer()
    {
        var client = await _silo.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var openApi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = openApi.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/submissions", "/api/v1/submissions/{id}", "/api/v1/eligibility", "/api/v1/kpis/summary" }
                     .Concat(Shinsa.Silo.Ingest.CsvFeeds.All.Select(feed => "/api/v1" + feed.Path)))
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from the OpenAPI document");
    }
}
