using Microsoft.Extensions.DependencyInjection;
using Shinsa.Tests.Common;
using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Silo.Tests;

/// <summary>
/// The review API (findings, 高額療養費, a household's view, rules) and the correction feeds (withdrawals, decisions)
/// and care claims, on an in-process silo. One household, hand-computed: a 100,000-point stay (cost 1,000,000 yen at
/// 30%: copay 300,000; ウ cap 80,100 + (1,000,000 − 267,000) × 1% = 87,430; 高額療養費 212,570) and two 73-point
/// outpatient receipts of the same clinic and month (DUP: the second's 730 yen).
/// </summary>
public sealed class ReviewApiTests : IDisposable
{
    private readonly SiloFactory _silo = new();

    static ReviewApiTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public void Dispose() => _silo.Dispose();

    private const string Provider = "0110001";
    private static readonly HouseholdCard Card = new("040014", "12", "345");

    private const string Eligibility =
        TestFiles.EligibilityHeader + "\n" +
        "acquire,P1,H1,040014,12,345,01,1970-01-01,1,2024-01-01,,30,ウ,kokuho\n" +
        "acquire,P1,H1,041001,,0000012345,,1970-01-01,1,2024-01-01,,10,ウ,kaigo\n";

    // P1 held the 040014 card from January to the end of March (the claim file's receipts are for April).
    private const string P1LeftInMarch =
        TestFiles.EligibilityHeader + "\n" +
        "acquire,P1,H1,040014,12,345,01,1970-01-01,1,2024-01-01,,30,ウ,kokuho\n" +
        "lose,P1,H1,040014,12,345,01,1970-01-01,1,2024-01-01,2024-03-31,30,ウ,kokuho\n";

    private static Receipt Receipt(int no, bool inpatient, int points, int times, uint days) => new(
        new ReceiptKey(Provider, new YearMonth(202405), no), ClaimKind.Medical, inpatient ? "1111" : "1112", new YearMonth(202404), Card, "01", 1,
        19700101, "シンサ", 70, inpatient ? 20240401 : null, null, System.Numerics.BitOperations.PopCount(days), points * times, points * times, null, [],
        [new Diagnosis("4659007", 20240401, 1, true)],
        [new ServiceLine(LineKind.Procedure, inpatient ? "90" : "12", inpatient ? "190077410" : "112007410", null, points, times, days)], 1);

    // The clinic's file header: its claims are billed in May 2024 (請求年月).
    private static readonly UkeWriter.Provider Clinic = new(ClaimKind.Medical, Provider, "04", "テスト医院", new YearMonth(202405));

    private static byte[] ClaimFile() => UkeWriter.Write(Clinic,
        [Receipt(1, true, 10_000, 10, 0x3FFu), Receipt(2, false, 73, 1, 1u), Receipt(3, false, 73, 1, 2u)]);

    private static async Task<JsonElement> Get(HttpClient client, string path) => await client.GetFromJsonAsync<JsonElement>(path);

    /// <summary>Posts the eligibility rows, then the claim file, each applied before the next.</summary>
    private static async Task EligibilityThenClaimsAsync(HttpClient client, string eligibilityCsv)
    {
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/eligibility", eligibilityCsv));
        await client.WaitAppliedAsync(await client.SubmitAsync(ClaimFile()));
    }

    private static List<JsonElement> OpenFindings(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Where(f => f.GetProperty("state").GetString() == "open").ToList();

    [Fact]
    public async Task Findings_and_high_cost_rows_leave_memory_at_a_checkpoint_and_read_the_same_from_the_store_and_after_a_restart()
    {
        var dir = TestFiles.NewTempDir("shinsa-rows");
        var settings = new Dictionary<string, string?> { ["Shinsa:SnapshotInterval"] = "00:00:00.2" };
        const string findings = "/api/v1/findings?insurer=040014&service_month=2024-04&page_size=1000";
        const string highCost = "/api/v1/high-cost?insurer=040014&service_month=2024-04";
        const string kpis = "/api/v1/kpis?scope=insurer&id=040014&service_month=2024-04";
        static async Task<string[]> Answers(HttpClient client) =>
            [await client.GetStringAsync(findings), await client.GetStringAsync(highCost), await client.GetStringAsync(kpis)];
        try
        {
            string[] before;
            using (var silo = new SiloFactory(settings, dir))
            {
                var client = await silo.StartAsync();
                await EligibilityThenClaimsAsync(client, Eligibility);
                before = await Answers(client);
                Assert.Contains("\"check_id\":\"DUP\"", before[0]);
                Assert.Contains("\"payable_yen\":212570", before[1]);

                // Every shard checkpoints: none keeps a finding, 高額療養費 row or timer in memory, and the answers are the
                // store's rows alone.
                var shards = silo.Services.GetRequiredService<Shinsa.Silo.Actors.ActorHost>().EmbeddedShards;
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (shards.Any(s => s.CheckpointSeq != s.AppliedSeq || s.Partials.HasChanges))
                {
                    Assert.True(DateTime.UtcNow < deadline, "the shards did not checkpoint");
                    await Task.Delay(50);
                }
                Assert.All(shards, s => Assert.Empty(s.Partials.ChangedFindings));
                Assert.All(shards, s => Assert.Empty(s.Partials.ChangedHighCost));
                Assert.Equal(before, await Answers(client));
            }

            // A restart loads none of them, and answers the same.
            using var restarted = new SiloFactory(settings, dir);
            var again = await restarted.StartAsync();
            Assert.All(restarted.Services.GetRequiredService<Shinsa.Silo.Actors.ActorHost>().EmbeddedShards, s => Assert.False(s.Partials.HasChanges));
            Assert.Equal(before, await Answers(again));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Findings_high_cost_and_the_household_view_of_a_month()
    {
        var client = await _silo.StartAsync();
        await EligibilityThenClaimsAsync(client, Eligibility);

        var page = await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04");
        var open = OpenFindings(page);
        Assert.Equal(["DUP", "ROUTE"], open.Select(f => f.GetProperty("check_id").GetString()).Order());
        var dup = open.Single(f => f.GetProperty("check_id").GetString() == "DUP");
        Assert.Equal(730, dup.GetProperty("yen_at_stake").GetInt64());
        Assert.Equal(["0110001/2024-05/2", "0110001/2024-05/3"], dup.GetProperty("receipts").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("P1", dup.GetProperty("person").GetString());
        Assert.Equal(1, dup.GetProperty("rule_version").GetInt32());
        Assert.Equal(1_000_000, open.Single(f => f.GetProperty("check_id").GetString() == "ROUTE").GetProperty("yen_at_stake").GetInt64());
        Assert.Equal(1, (await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04&check=DUP")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await Get(client, "/api/v1/findings?insurer=040015&service_month=2024-04")).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/findings?service_month=2024-04")).StatusCode);

        var highCost = Assert.Single((await Get(client, "/api/v1/high-cost?insurer=040014&service_month=2024-04")).EnumerateArray());
        Assert.Equal("H1", highCost.GetProperty("household_id").GetString());
        Assert.Equal(1, highCost.GetProperty("persons").GetInt32());
        Assert.Equal(1_001_460, highCost.GetProperty("cost_yen").GetInt64());    // 100,146 points
        Assert.Equal(300_440, highCost.GetProperty("copay_yen").GetInt64());     // 300,000 + the 外来 unit's 440 (under 21,000: not added up)
        Assert.Equal(87_430, highCost.GetProperty("cap_yen").GetInt64());
        Assert.Equal(212_570, highCost.GetProperty("payable_yen").GetInt64());
        Assert.False(highCost.GetProperty("tasuu").GetBoolean());

        var household = await Get(client, "/api/v1/beneficiaries/040014/12/345");
        var month = Assert.Single(household.GetProperty("months").EnumerateArray());
        Assert.Equal("2024-04", month.GetProperty("service_month").GetString());
        Assert.Equal(3, month.GetProperty("receipts").GetArrayLength());
        Assert.Equal(2, month.GetProperty("findings").GetArrayLength());
        Assert.Equal(212_570, month.GetProperty("high_cost").GetProperty("payable_yen").GetInt64());
        // The 介護 row lives with its own card; the medical household holds the 国保 row.
        Assert.Equal("kokuho", Assert.Single(household.GetProperty("eligibility").EnumerateArray()).GetProperty("system").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/beneficiaries/040014/12/999")).StatusCode);
    }

    [Fact]
    public async Task Withdrawals_and_decisions_take_receipts_out_and_decisions_wait_for_their_receipt()
    {
        var client = await _silo.StartAsync();
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/eligibility", Eligibility));
        // A 返戻 for receipt 3 arrives before the claim file: it waits, then applies when the receipt comes.
        var decisions = await client.PostCsvAsync("/api/v1/decisions", "provider_code,billing_month,receipt_no,decision,points_cut\n0110001,2024-05,3,返戻,0\n0110001,2024-05,1,査定,1000\n");
        await client.WaitAppliedAsync(decisions);
        await client.WaitAppliedAsync(await client.SubmitAsync(ClaimFile()));

        var kpi = await client.KpiAsync("service_month=2024-04&insurer=040014");
        Assert.Equal(2, kpi.GetProperty("receipts").GetInt64());               // receipt 3 returned
        Assert.Equal(100_073 - 1_000, kpi.GetProperty("points").GetInt64());  // the stay cut by 1,000 points
        var dup = Assert.Single((await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04&check=DUP")).GetProperty("items").EnumerateArray());
        Assert.Equal("withdrawn", dup.GetProperty("state").GetString());

        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/withdrawals",
            "provider_code,billing_month,receipt_no,insurer_no,card_symbol,card_number\n0110001,2024-05,2,040014,12,345\n"));
        kpi = await client.KpiAsync("service_month=2024-04&insurer=040014");
        Assert.Equal(1, kpi.GetProperty("receipts").GetInt64());
        Assert.Equal(99_000, kpi.GetProperty("points").GetInt64());
        // 高額療養費 follows the cut: cost 990,000 at 30% = 297,000; cap 80,100 + 7,230 = 87,330; payable 209,670.
        var highCost = Assert.Single((await Get(client, "/api/v1/high-cost?insurer=040014&service_month=2024-04")).EnumerateArray());
        Assert.Equal(209_670, highCost.GetProperty("payable_yen").GetInt64());
    }

    /// <summary>The receipt keys a household holds (its cross-month view), or none when the silo has no such household.</summary>
    private static async Task<List<string>> ReceiptsHeldBy(HttpClient client, HouseholdCard card)
    {
        var response = await client.GetAsync($"/api/v1/beneficiaries/{card.InsurerNo}/{card.Symbol}/{card.Number}");
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        return view.GetProperty("months").EnumerateArray().SelectMany(m => m.GetProperty("receipts").EnumerateArray())
            .Select(r => r.GetProperty("key").GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task A_receipt_sent_again_under_another_card_leaves_the_household_of_the_card_it_had()
    {
        var client = await _silo.StartAsync();
        await client.WaitAppliedAsync(await client.SubmitAsync(ClaimFile()));
        var corrected = new HouseholdCard("040014", "12", "999");
        byte[] Receipt2Under(HouseholdCard card) => UkeWriter.Write(Clinic, [Receipt(2, false, 73, 1, 1u) with { Card = card }]);
        async Task<long> Receipts() => (await client.KpiAsync("service_month=2024-04&insurer=040014")).GetProperty("receipts").GetInt64();
        List<JsonElement> OpenDup(JsonElement page) => OpenFindings(page).Where(f => f.GetProperty("check_id").GetString() == "DUP").ToList();
        const string findings = "/api/v1/findings?insurer=040014&service_month=2024-04&page_size=100";
        Assert.Single(OpenDup(await Get(client, findings))); // receipts 2 and 3: the same clinic and month

        // The clinic corrects receipt 2's 番号 and sends it again in the same 請求年月: one receipt, now in the other household.
        await client.WaitAppliedAsync(await client.SubmitAsync(Receipt2Under(corrected)));
        Assert.Equal(3, await Receipts());
        Assert.Equal(["0110001/2024-05/1", "0110001/2024-05/3"], await ReceiptsHeldBy(client, Card));
        Assert.Equal(["0110001/2024-05/2"], await ReceiptsHeldBy(client, corrected));
        Assert.Empty(OpenDup(await Get(client, findings)));

        // Sent back under the first card, it leaves the second household and the duplicate is open again.
        await client.WaitAppliedAsync(await client.SubmitAsync(Receipt2Under(Card)));
        Assert.Equal(3, await Receipts());
        Assert.Equal(["0110001/2024-05/1", "0110001/2024-05/2", "0110001/2024-05/3"], await ReceiptsHeldBy(client, Card));
        Assert.Empty(await ReceiptsHeldBy(client, corrected));
        Assert.Single(OpenDup(await Get(client, findings)));
    }

    [Fact]
    public async Task A_returned_or_cut_receipt_sent_again_under_another_card_stays_returned_or_cut()
    {
        var client = await _silo.StartAsync();
        await client.WaitAppliedAsync(await client.SubmitAsync(ClaimFile()));
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/decisions",
            "provider_code,billing_month,receipt_no,decision,points_cut\n0110001,2024-05,3,返戻,0\n0110001,2024-05,1,査定,1000\n"));
        async Task<(long Receipts, long Points)> Kpi()
        {
            var kpi = await client.KpiAsync("service_month=2024-04&insurer=040014");
            return (kpi.GetProperty("receipts").GetInt64(), kpi.GetProperty("points").GetInt64());
        }
        // Receipts 1 (100,000 points, 1,000 of them cut) and 2 (73); receipt 3 returned.
        Assert.Equal((2, 99_073), await Kpi());

        // The clinic corrects the 番号 of receipts 1 and 3 and sends them again in the same 請求年月: they move to the
        // other household with their decisions.
        var corrected = new HouseholdCard("040014", "12", "999");
        byte[] ReceiptsUnder(HouseholdCard card) => UkeWriter.Write(Clinic,
            [Receipt(1, true, 10_000, 10, 0x3FFu) with { Card = card }, Receipt(3, false, 73, 1, 2u) with { Card = card }]);
        await client.WaitAppliedAsync(await client.SubmitAsync(ReceiptsUnder(corrected)));
        Assert.Equal(["0110001/2024-05/1"], await ReceiptsHeldBy(client, corrected)); // a household's view leaves out 返戻
        Assert.Equal(["0110001/2024-05/2"], await ReceiptsHeldBy(client, Card));
        Assert.Equal((2, 99_073), await Kpi());

        // Sent back under the first card: the same again.
        await client.WaitAppliedAsync(await client.SubmitAsync(ReceiptsUnder(Card)));
        Assert.Empty(await ReceiptsHeldBy(client, corrected));
        Assert.Equal(["0110001/2024-05/1", "0110001/2024-05/2"], await ReceiptsHeldBy(client, Card));
        Assert.Equal((2, 99_073), await Kpi());
    }

    [Fact]
    public async Task A_receipt_twice_in_one_file_under_two_cards_ends_in_the_household_of_the_last()
    {
        var client = await _silo.StartAsync();
        var other = new HouseholdCard("040014", "12", "999");
        // Held under the first card before; the file sends it under the other card, then under the first again.
        await client.WaitAppliedAsync(await client.SubmitAsync(UkeWriter.Write(Clinic, [Receipt(2, false, 73, 1, 1u)])));
        await client.WaitAppliedAsync(await client.SubmitAsync(UkeWriter.Write(Clinic,
            [Receipt(2, false, 73, 1, 1u) with { Card = other }, Receipt(2, false, 73, 1, 1u) with { SourceLine = 2 }])));
        Assert.Equal(1, (await client.KpiAsync("service_month=2024-04&insurer=040014")).GetProperty("receipts").GetInt64());
        Assert.Equal(["0110001/2024-05/2"], await ReceiptsHeldBy(client, Card));
        Assert.Empty(await ReceiptsHeldBy(client, other));
    }

    [Fact]
    public async Task A_care_claim_waits_for_eligibility_and_then_finds_the_stay()
    {
        var client = await _silo.StartAsync();
        await client.WaitAppliedAsync(await client.SubmitAsync(ClaimFile()));
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/care-claims",
            "insurer_no,insured_no,provider_no,service_month,service_type,service_days,units,unit_price_yen,benefit_pct,copay_yen\n" +
            "041001,0000012345,0470100001,2024-04,11,3;4;5;6;12,1000,10.00,90,1000\n"));
        Assert.Empty((await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04&check=CARE-HOSP")).GetProperty("items").EnumerateArray());

        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/eligibility", Eligibility));
        var care = Assert.Single(OpenFindings(await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04&check=CARE-HOSP")));
        // 1,000 units × 10.00 yen × 90% = 9,000 over 5 days; days 3–6 fall in the stay (days 1–10) → 9,000 × 4 / 5 = 7,200
        Assert.Equal(7_200, care.GetProperty("yen_at_stake").GetInt64());
    }

    private const string CareClaimHeader = "insurer_no,insured_no,provider_no,service_month,service_type,service_days,units,unit_price_yen,benefit_pct,copay_yen\n";
    private const string CareWithdrawal = "insurer_no,insured_no,provider_no,service_month,service_type\n041001,0000012345,0470100001,2024-04,11\n";

    [Fact]
    public async Task A_care_claim_withdrawal_waits_for_eligibility_like_its_claim_and_takes_the_claim_back()
    {
        var client = await _silo.StartAsync();
        const string careFindings = "/api/v1/findings?insurer=040014&service_month=2024-04&check=CARE-HOSP";
        await client.WaitAppliedAsync(await client.SubmitAsync(ClaimFile()));
        // The claim and its withdrawal both name a care card nobody knows yet: both wait, and go in in the order they came.
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/care-claims", CareClaimHeader + "041001,0000012345,0470100001,2024-04,11,3;4;5;6;12,1000,10.00,90,1000\n"));
        var withdrawal = await client.GetFromJsonAsync<JsonElement>($"/api/v1/submissions/{await client.PostCsvAsync("/api/v1/care-claim-withdrawals", CareWithdrawal)}");
        Assert.Equal(1, withdrawal.GetProperty("receipts").GetProperty("accepted").GetInt32());
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/eligibility", Eligibility));
        Assert.Empty(OpenFindings(await Get(client, careFindings)));

        // A corrected claim (2,000 units) after the withdrawal stands: 18,000 over 5 days, 4 in the stay → 14,400.
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/care-claims", CareClaimHeader + "041001,0000012345,0470100001,2024-04,11,3;4;5;6;12,2000,10.00,90,2000\n"));
        Assert.Equal(14_400, Assert.Single(OpenFindings(await Get(client, careFindings))).GetProperty("yen_at_stake").GetInt64());

        // Withdrawn again, now that its card is known: the finding is resolved at once. (A second withdrawal file: the
        // same bytes again would be the first one's retry, and change nothing.)
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/care-claim-withdrawals", CareWithdrawal + "041001,0000012345,0470100001,2024-05,11\n"));
        var finding = Assert.Single((await Get(client, careFindings)).GetProperty("items").EnumerateArray());
        Assert.Equal("resolved", finding.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_care_claim_corrected_or_withdrawn_after_its_person_moved_to_another_card_stays_with_the_household_it_went_to()
    {
        var client = await _silo.StartAsync();
        const string careFindings = "/api/v1/findings?insurer=040014&service_month=2024-04&check=CARE-HOSP";
        await EligibilityThenClaimsAsync(client, Eligibility);
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/care-claims", CareClaimHeader + "041001,0000012345,0470100001,2024-04,11,3;4;5;6;12,1000,10.00,90,1000\n"));
        Assert.Equal(7_200, Assert.Single(OpenFindings(await Get(client, careFindings))).GetProperty("yen_at_stake").GetInt64());

        // P1 leaves the card at the end of April and holds another from May, in a household of their own.
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/eligibility", TestFiles.EligibilityHeader + "\n" +
            "lose,P1,H1,040014,12,345,01,1970-01-01,1,2024-01-01,2024-04-30,30,ウ,kokuho\n" +
            "acquire,P1,H2,040014,12,999,01,1970-01-01,1,2024-05-01,,30,ウ,kokuho\n"));

        // The April claim corrected (2,000 units) replaces the claim where it is, beside the April stay: 14,400 as above.
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/care-claims", CareClaimHeader + "041001,0000012345,0470100001,2024-04,11,3;4;5;6;12,2000,10.00,90,2000\n"));
        Assert.Equal(14_400, Assert.Single(OpenFindings(await Get(client, careFindings))).GetProperty("yen_at_stake").GetInt64());

        // Withdrawn, it leaves that household too.
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/care-claim-withdrawals", CareWithdrawal));
        Assert.Equal("resolved", Assert.Single((await Get(client, careFindings)).GetProperty("items").EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_care_claim_that_arrives_after_its_person_changed_cards_goes_to_the_household_of_its_service_month()
    {
        var client = await _silo.StartAsync();
        const string careFindings = "/api/v1/findings?insurer=040014&service_month=2024-04&check=CARE-HOSP";
        await EligibilityThenClaimsAsync(client, Eligibility);
        // P1 leaves the card at the end of April and holds another from May, in a household of their own; the April
        // claim comes after that, as care claims do.
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/eligibility", TestFiles.EligibilityHeader + "\n" +
            "lose,P1,H1,040014,12,345,01,1970-01-01,1,2024-01-01,2024-04-30,30,ウ,kokuho\n" +
            "acquire,P1,H2,040014,12,999,01,1970-01-01,1,2024-05-01,,30,ウ,kokuho\n"));
        await client.WaitAppliedAsync(await client.PostCsvAsync("/api/v1/care-claims", CareClaimHeader + "041001,0000012345,0470100001,2024-04,11,3;4;5;6;12,1000,10.00,90,1000\n"));
        // It is checked beside the April stay: 9,000 over 5 days, 4 in the stay → 7,200.
        Assert.Equal(7_200, Assert.Single(OpenFindings(await Get(client, careFindings))).GetProperty("yen_at_stake").GetInt64());
    }

    [Fact]
    public async Task A_care_claim_withdrawal_with_a_bad_row_reports_its_line_and_takes_the_rest()
    {
        var client = await _silo.StartAsync();
        var id = await client.PostCsvAsync("/api/v1/care-claim-withdrawals", CareWithdrawal + "041001,12345,0470100001,2024-04,11\n");
        var status = await client.GetFromJsonAsync<JsonElement>($"/api/v1/submissions/{id}");
        var counts = status.GetProperty("receipts");
        Assert.Equal((2, 1, 1), (counts.GetProperty("submitted").GetInt32(), counts.GetProperty("accepted").GetInt32(), counts.GetProperty("rejected").GetInt32()));
        var error = Assert.Single(status.GetProperty("errors").EnumerateArray());
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Contains("insured_no", error.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_new_rule_file_re_reviews_every_household_and_a_bad_one_is_refused()
    {
        var client = await _silo.StartAsync();
        await EligibilityThenClaimsAsync(client, Eligibility);
        Assert.Single((await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04&check=ROUTE&state=open")).GetProperty("items").EnumerateArray());

        var rules = RuleSet.Starter with { Version = 2, Route = RuleSet.Starter.Route with { MedicalExpertPoints = 200_000 } };
        var response = await client.PostAsync("/api/v1/rules", new StringContent(rules.ToJson(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await client.WaitAppliedAsync((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);

        Assert.Empty((await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04&check=ROUTE&state=open")).GetProperty("items").EnumerateArray());
        var dup = Assert.Single(OpenFindings(await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04&check=DUP")));
        Assert.Equal(2, dup.GetProperty("rule_version").GetInt32());
        var state = await Get(client, "/api/v1/rules");
        Assert.All(state.GetProperty("shards").EnumerateArray(), s =>
        {
            Assert.Equal(2, s.GetProperty("rules_version").GetInt32());
            Assert.Equal("2024-04", s.GetProperty("as_of").GetString());
        });

        var bad = await client.PostAsync("/api/v1/rules", new StringContent("{\"version\": 3, \"rout\": {}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("rout", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_configured_rule_file_is_appended_once_over_the_same_state_and_again_after_going_back_to_it()
    {
        var client = await _silo.StartAsync();
        var submissions = _silo.Services.GetRequiredService<Shinsa.Silo.Ingest.SubmissionService>();
        var host = _silo.Services.GetRequiredService<Shinsa.Silo.Actors.ActorHost>();
        // The silo's own start put the starter set in force: wait for it, so the state stays still between the two calls.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (host.ShardRules().Any(s => s.Json is null))
        {
            Assert.True(DateTime.UtcNow < deadline, "the starter rules were not applied");
            await Task.Delay(20);
        }
        async Task<string> Configure(RuleSet rules)
        {
            // What silos starting together with this file do (RulesProvider): both see the same state, one append is made.
            var both = (await Task.WhenAll(submissions.AppendRulesOverAsync(rules.ToJson(), "test"), submissions.AppendRulesOverAsync(rules.ToJson(), "test")))
                .Select(Assert.IsType<Shinsa.Silo.Ingest.SubmitResult.Accepted>).ToList();
            Assert.Equal(both[0].Id, both[1].Id);
            Assert.Equal([false, true], both.Select(r => r.Duplicate).Order());
            var first = both[0];
            await client.WaitAppliedAsync(first.Id);
            Assert.All(host.ShardRules(), s => Assert.Equal(rules.Version, RuleSet.Parse(s.Json!).Version));
            return first.Id;
        }
        var a = RuleSet.Starter with { Version = 7 };
        var b = RuleSet.Starter with { Version = 8 };
        // A, B, back to A and to B again: each a change, though B over A was seen before (at other log positions).
        var ids = new[] { await Configure(a), await Configure(b), await Configure(a), await Configure(b) };
        Assert.Equal(4, ids.Distinct().Count());
    }

    [Fact]
    public async Task ELIG_NONE_names_the_card_that_covered_the_month_as_the_transfer_candidate()
    {
        var client = await _silo.StartAsync();
        // P1 left 040014 at the end of March and joined 040022 from April 1; the April claims still went to 040014.
        await EligibilityThenClaimsAsync(client,
            P1LeftInMarch +
            "acquire,P1,H9,040022,7,88,01,1970-01-01,1,2024-04-01,,30,ウ,kokuho\n" +
            "acquire,P2,H2,040030,1,1,01,1980-01-01,2,2024-01-01,,30,ウ,kokuho\n");

        var page = await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04&check=ELIG-NONE");
        var findings = OpenFindings(page);
        Assert.Equal(3, findings.Count); // every April receipt
        Assert.All(findings, f =>
        {
            var candidate = f.GetProperty("transfer_candidate");
            Assert.Equal(("040022", "7", "88"), (candidate.GetProperty("insurer_no").GetString(), candidate.GetProperty("card_symbol").GetString(),
                candidate.GetProperty("card_number").GetString()));
        });
        var household = await Get(client, "/api/v1/beneficiaries/040014/12/345");
        var month = Assert.Single(household.GetProperty("months").EnumerateArray());
        Assert.All(month.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("check_id").GetString() == "ELIG-NONE"),
            f => Assert.Equal("040022", f.GetProperty("transfer_candidate").GetProperty("insurer_no").GetString()));
    }

    [Fact]
    public async Task ELIG_NONE_without_other_coverage_has_no_transfer_candidate()
    {
        var client = await _silo.StartAsync();
        await EligibilityThenClaimsAsync(client,
            P1LeftInMarch +
            "acquire,P1,H9,040022,7,88,01,1970-01-01,1,2024-06-01,,30,ウ,kokuho\n"); // the new card starts only in June
        var findings = OpenFindings(await Get(client, "/api/v1/findings?insurer=040014&service_month=2024-04&check=ELIG-NONE"));
        Assert.Equal(3, findings.Count);
        Assert.All(findings, f => Assert.Equal(JsonValueKind.Null, f.GetProperty("transfer_candidate").ValueKind));
    }
}
