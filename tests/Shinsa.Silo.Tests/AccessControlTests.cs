using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Shinsa.Silo.Auth;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>Who may see what (issue 5): tokens, roles, the login cookie, submission owners.</summary>
public sealed class AccessControlTests : IDisposable
{
    private const string InsurerToken = "insurer-01010016-token";
    private const string OtherInsurerToken = "insurer-34130021-token";
    private const string ProviderToken = "provider-0000000-token";
    private const string OtherProviderToken = "provider-1234567-token";

    private readonly SiloFactory _silo = new(SiloFactory.Tokens(
        (InsurerToken, "insurer:01010016"), (OtherInsurerToken, "insurer:34130021"),
        (ProviderToken, "provider:0000000"), (OtherProviderToken, "provider:1234567")));

    public void Dispose() => _silo.Dispose();

    private static async Task<HttpStatusCode> Status(HttpClient client, string path) => (await client.GetAsync(path)).StatusCode;

    [Fact]
    public async Task No_token_or_an_unknown_token_is_401_and_health_and_openapi_stay_anonymous()
    {
        await _silo.StartAsync();
        foreach (var token in new[] { null, "not-a-token", SiloFactory.AdminToken + "x" })
        {
            var client = _silo.ClientWith(token);
            foreach (var path in new[] { "/api/v1/kpis/summary?service_month=2021-10", "/api/v1/kpis?service_month=2021-10",
                         "/api/v1/kpis/stream?service_month=2021-10", "/api/v1/submissions/u0123", "/api/v1/host", "/api/v1/audit", "/api/v1/me" })
                Assert.Equal(HttpStatusCode.Unauthorized, await Status(client, path));
            var post = await client.PostFile("/api/v1/submissions", TestFiles.SampleUkeBytes());
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        }
        var anonymous = _silo.ClientWith(null);
        Assert.Equal(HttpStatusCode.OK, await Status(anonymous, "/health/live"));
        Assert.Equal(HttpStatusCode.OK, await Status(anonymous, "/health/ready"));
        Assert.Equal(HttpStatusCode.OK, await Status(anonymous, "/openapi/v1.json"));
    }

    [Fact]
    public async Task An_insurer_reads_its_own_kpis_and_gets_403_for_any_other_insurer_the_prefecture_or_the_host()
    {
        var admin = await _silo.StartAsync();
        await admin.WaitAppliedAsync(await admin.SubmitAsync(TestFiles.SampleUkeBytes()));
        var insurer = _silo.ClientWith(InsurerToken);

        var own = await insurer.GetFromJsonAsync<JsonElement>("/api/v1/kpis/summary?service_month=2021-10&insurer=01010016");
        Assert.Equal(45, own.GetProperty("receipts").GetInt64());
        Assert.Equal(HttpStatusCode.OK, await Status(insurer, "/api/v1/kpis?scope=insurer&id=01010016&service_month=2021-10"));
        Assert.Equal(HttpStatusCode.OK, await Status(insurer, "/api/v1/kpis?scope=provider&id=0000000&insurer=01010016&service_month=2021-10"));
        Assert.Equal(HttpStatusCode.OK, await Status(insurer, "/api/v1/kpis/trend?scope=insurer&id=01010016"));

        // Guessed ids: the other insurer in the sample, neighbours, prefixes, padding, a repeated parameter.
        string[] guesses = ["34130021", "01010017", "0101001", "010100160", "01010016 ", " 01010016", "1010016", "*", "%"];
        foreach (var id in guesses)
        {
            var e = Uri.EscapeDataString(id);
            Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, $"/api/v1/kpis/summary?service_month=2021-10&insurer={e}"));
            Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, $"/api/v1/kpis?scope=insurer&id={e}&service_month=2021-10"));
            Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, $"/api/v1/kpis/stream?scope=insurer&id={e}&service_month=2021-10"));
            Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, $"/api/v1/kpis/trend?scope=insurer&id={e}"));
            Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, $"/api/v1/kpis?scope=provider&id=0000000&insurer={e}&service_month=2021-10"));
        }
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/kpis/summary?service_month=2021-10&insurer=34130021&insurer=01010016"));
        // No insurer named means every insurer: the prefecture's totals, a provider across insurers.
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/kpis/summary?service_month=2021-10"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/kpis/summary?service_month=2021-10&provider=0000000"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/kpis?scope=prefecture&service_month=2021-10"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/kpis?service_month=2021-10"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/kpis?scope=provider&id=0000000&service_month=2021-10"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/kpis/stream?scope=prefecture&service_month=2021-10"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/kpis/insurers?service_month=2021-10"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/host"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, "/api/v1/audit"));

        // The other insurer's token sees its own figures (15 receipts), not these.
        var other = _silo.ClientWith(OtherInsurerToken);
        Assert.Equal(15, (await other.GetFromJsonAsync<JsonElement>("/api/v1/kpis/summary?service_month=2021-10&insurer=34130021"))
            .GetProperty("receipts").GetInt64());
        Assert.Equal(HttpStatusCode.Forbidden, await Status(other, "/api/v1/kpis/summary?service_month=2021-10&insurer=01010016"));
    }

    [Fact]
    public async Task Findings_high_cost_and_households_are_insurer_scoped_and_person_level_reads_are_audited()
    {
        var admin = await _silo.StartAsync();
        await admin.WaitAppliedAsync(await admin.SubmitAsync(TestFiles.SampleUkeBytes()));
        var insurer = _silo.ClientWith(InsurerToken);
        var provider = _silo.ClientWith(ProviderToken);

        var findings = await insurer.GetFromJsonAsync<JsonElement>("/api/v1/findings?insurer=01010016&service_month=2021-10");
        var first = findings.GetProperty("items").EnumerateArray().First();
        var household = $"/api/v1/beneficiaries/01010016/{first.GetProperty("card_symbol").GetString()}/{first.GetProperty("card_number").GetString()}";
        Assert.Equal(HttpStatusCode.OK, await Status(insurer, household));
        Assert.Equal(HttpStatusCode.OK, await Status(insurer, "/api/v1/high-cost?insurer=01010016&service_month=2021-10"));

        var rules = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.Forbidden, (await insurer.PostAsync("/api/v1/rules", rules)).StatusCode);
        foreach (var path in new[]
                 {
                     "/api/v1/findings?insurer=34130021&service_month=2021-10", "/api/v1/findings?service_month=2021-10",
                     "/api/v1/findings?insurer=01010016%20&service_month=2021-10", "/api/v1/high-cost?insurer=34130021&service_month=2021-10",
                     "/api/v1/beneficiaries/34130021/1/1", "/api/v1/beneficiaries/01010017/1/1",
                 })
            Assert.Equal(HttpStatusCode.Forbidden, await Status(insurer, path));
        foreach (var path in new[] { "/api/v1/findings?insurer=01010016&service_month=2021-10", household, "/api/v1/high-cost?insurer=01010016&service_month=2021-10", "/api/v1/rules" })
            Assert.Equal(HttpStatusCode.Forbidden, await Status(provider, path));

        // Audited: the insurer's three reads (worklist, household, high-cost), none of the refused ones, no KPI read.
        var audit = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?who=insurer:01010016%20user")).GetProperty("items")
            .EnumerateArray().Select(e => (e.GetProperty("what").GetString(), e.GetProperty("subject").GetString())).Reverse().ToList();
        Assert.Equal([("findings", "/api/v1/findings?insurer=01010016&service_month=2021-10"), ("beneficiary", household),
            ("high-cost", "/api/v1/high-cost?insurer=01010016&service_month=2021-10")], audit);
    }

    [Fact]
    public async Task A_provider_submits_its_own_files_reads_their_status_and_reads_no_kpis()
    {
        var admin = await _silo.StartAsync();
        var provider = _silo.ClientWith(ProviderToken);
        var sample = TestFiles.SampleUkeBytes(); // IR 医療機関コード 0000000

        foreach (var path in new[] { "/api/v1/kpis/summary?service_month=2021-10", "/api/v1/kpis/summary?service_month=2021-10&provider=0000000",
                     "/api/v1/kpis/summary?service_month=2021-10&insurer=01010016", "/api/v1/kpis?scope=provider&id=0000000&service_month=2021-10",
                     "/api/v1/kpis/stream?scope=provider&id=0000000&service_month=2021-10", "/api/v1/kpis/trend?scope=provider&id=0000000",
                     "/api/v1/host", "/api/v1/audit" })
            Assert.Equal(HttpStatusCode.Forbidden, await Status(provider, path));

        Assert.Equal(HttpStatusCode.Forbidden, (await _silo.ClientWith(OtherProviderToken).PostFile("/api/v1/submissions", sample)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _silo.ClientWith(InsurerToken).PostFile("/api/v1/submissions", sample)).StatusCode);
        var id = await provider.SubmitAsync(sample);
        await provider.WaitAppliedAsync(id);
        Assert.Equal(HttpStatusCode.NotFound, await Status(_silo.ClientWith(OtherProviderToken), $"/api/v1/submissions/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, await Status(_silo.ClientWith(InsurerToken), $"/api/v1/submissions/{id}"));
        Assert.Equal(HttpStatusCode.OK, await Status(admin, $"/api/v1/submissions/{id}"));

        // A provider may not post an insurer's CSV; an insurer only rows of its own insurer.
        var eligibility = System.Text.Encoding.UTF8.GetBytes(
            TestFiles.EligibilityHeader + "\n" +
            "acquire,P1,H1,01010016,12,345,01,1960-04-01,1,2021-04-01,,30,ウ,kokuho\n");
        Assert.Equal(HttpStatusCode.Forbidden, (await provider.PostFile("/api/v1/eligibility", eligibility, "e.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _silo.ClientWith(OtherInsurerToken).PostFile("/api/v1/eligibility", eligibility, "e.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _silo.ClientWith(InsurerToken).PostFile("/api/v1/eligibility", eligibility, "e.csv")).StatusCode);

        // Withdrawals (取下げ): a provider withdraws its own receipts only; insurers withdraw nothing; decisions, care
        // claims and their withdrawals are the federation's.
        byte[] Withdraw(string provider) => System.Text.Encoding.UTF8.GetBytes(
            $"provider_code,billing_month,receipt_no,insurer_no,card_symbol,card_number\n{provider},2021-11,2,01010016,1,1\n");
        Assert.Equal(HttpStatusCode.Forbidden, (await provider.PostFile("/api/v1/withdrawals", Withdraw("1234567"), "w.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _silo.ClientWith(InsurerToken).PostFile("/api/v1/withdrawals", Withdraw("0000000"), "w.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await provider.PostFile("/api/v1/withdrawals", Withdraw("0000000"), "w.csv")).StatusCode);
        var decision = System.Text.Encoding.UTF8.GetBytes("provider_code,billing_month,receipt_no,decision,points_cut\n0000000,2021-11,5,査定,10\n");
        Assert.Equal(HttpStatusCode.Forbidden, (await provider.PostFile("/api/v1/decisions", decision, "d.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _silo.ClientWith(InsurerToken).PostFile("/api/v1/decisions", decision, "d.csv")).StatusCode);
        var care = System.Text.Encoding.UTF8.GetBytes(
            "insurer_no,insured_no,provider_no,service_month,service_type,service_days,units,unit_price_yen,benefit_pct,copay_yen\n" +
            "01010016,0000000001,1234567890,2021-10,11,1;2,100,10,90,100\n");
        Assert.Equal(HttpStatusCode.Forbidden, (await _silo.ClientWith(InsurerToken).PostFile("/api/v1/care-claims", care, "k.csv")).StatusCode);
        var careWithdrawal = System.Text.Encoding.UTF8.GetBytes("insurer_no,insured_no,provider_no,service_month,service_type\n010100,0000000001,1234567890,2021-10,11\n");
        Assert.Equal(HttpStatusCode.Forbidden, (await _silo.ClientWith(InsurerToken).PostFile("/api/v1/care-claim-withdrawals", careWithdrawal, "x.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await provider.PostFile("/api/v1/care-claim-withdrawals", careWithdrawal, "x.csv")).StatusCode);
    }

    [Fact]
    public async Task The_login_page_sets_an_http_only_cookie_that_carries_the_role()
    {
        await _silo.StartAsync();
        var browser = _silo.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        var shell = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, shell.StatusCode);
        Assert.Equal("/login", shell.Headers.Location?.OriginalString);
        Assert.Contains("アクセストークン", await browser.GetStringAsync("/login"));

        var wrong = await browser.PostAsync("/login", new FormUrlEncodedContent([new("token", "nope")]));
        Assert.Equal("/login?error=1", wrong.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(browser, "/api/v1/me"));

        var right = await browser.PostAsync("/login", new FormUrlEncodedContent([new("token", InsurerToken)]));
        Assert.Equal("/", right.Headers.Location?.OriginalString);
        var cookie = Assert.Single(right.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        var me = await browser.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal("insurer:01010016", me.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.OK, await Status(browser, "/api/v1/kpis?scope=insurer&id=01010016&service_month=2021-10"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(browser, "/api/v1/kpis?scope=insurer&id=34130021&service_month=2021-10"));

        await browser.PostAsync("/logout", null);
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(browser, "/api/v1/me"));
    }

    [Fact]
    public async Task Dashboard_assets_are_served_locally_and_hold_no_data()
    {
        await _silo.StartAsync();
        var anonymous = _silo.ClientWith(null);
        foreach (var asset in new[] { "/dashboard/app.js", "/dashboard/app.css", "/dashboard/index.html" })
        {
            var response = await anonymous.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("http://", text);
            Assert.DoesNotContain("https://", text);
            Assert.DoesNotContain("01010016", text);
        }
    }

    [Fact]
    public void A_misconfigured_token_stops_the_start_with_its_reason()
    {
        using var silo = new SiloFactory(new() { ["Shinsa:Auth:Tokens:0:Hash"] = "abc", ["Shinsa:Auth:Tokens:0:Role"] = "insurer:1" });
        var error = Assert.ThrowsAny<Exception>(() => silo.CreateClient());
        Assert.Contains("Hash", error.ToString());
        using var silo2 = new SiloFactory(new()
        {
            ["Shinsa:Auth:Tokens:0:Hash"] = TokenRegistry.HashOf("x"), ["Shinsa:Auth:Tokens:0:Role"] = "insurer:",
        });
        Assert.Contains("Role", Assert.ThrowsAny<Exception>(() => silo2.CreateClient()).ToString());
    }

    [Fact]
    public void Without_an_admin_token_the_embedded_silo_generates_one_per_run()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new AuthOptions());
        var sqlite = Microsoft.Extensions.Options.Options.Create(new Hosting.ShinsaOptions { Storage = "sqlite" });
        var a = new TokenRegistry(options, sqlite);
        var b = new TokenRegistry(options, sqlite);
        Assert.NotNull(a.GeneratedAdminToken);
        Assert.NotEqual(a.GeneratedAdminToken, b.GeneratedAdminToken);
        Assert.True(a.GeneratedAdminToken!.Length >= 32);
        Assert.Equal(CallerKind.Federation, a.Find(a.GeneratedAdminToken)!.Kind);
        Assert.Null(a.Find(b.GeneratedAdminToken));
        // Cluster mode (PostgreSQL) never makes one up: the operator sets Shinsa__Auth__AdminToken.
        Assert.Null(new TokenRegistry(options, Microsoft.Extensions.Options.Options.Create(new Hosting.ShinsaOptions { Storage = "postgres" })).GeneratedAdminToken);
    }

    [Theory]
    [InlineData("federation", true, CallerKind.Federation, null)]
    [InlineData("insurer:01010016", true, CallerKind.Insurer, "01010016")]
    [InlineData("provider:0000000", true, CallerKind.Provider, "0000000")]
    [InlineData("insurer:", false, CallerKind.Federation, null)]
    [InlineData("insurer:01a", false, CallerKind.Federation, null)]
    [InlineData("admin", false, CallerKind.Federation, null)]
    [InlineData("Federation", false, CallerKind.Federation, null)]
    [InlineData("insurer:*", false, CallerKind.Federation, null)]
    public void Roles_parse_strictly(string role, bool ok, CallerKind kind, string? id)
    {
        Assert.Equal(ok, Caller.TryParseRole(role, out var k, out var i));
        if (ok) Assert.Equal((kind, id), (k, i));
    }

    internal SiloFactory Silo => _silo;
}
