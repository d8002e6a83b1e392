using System.Net;
using System.Text;
using Microsoft.Playwright;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Silo.Auth;
using Shinsa.Silo.Tests;
using Shinsa.Tests.Common;
using static Microsoft.Playwright.Assertions;

namespace Shinsa.Dashboard.Tests;

/// <summary>
/// The dashboard in a real headless Chromium (Debian's /usr/bin/chromium; Playwright never downloads a browser) against
/// a silo running as its own process on a free 127.0.0.1 port: log in through the login page, watch a board update live
/// while a file is submitted through the API, open a finding and reach its household, and check an insurer's pages stay
/// within its insurer.
/// Set SHINSA_SCREENSHOT_DIR to keep screenshots (the README's is taken this way).
/// </summary>
public sealed class DashboardEndToEndTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string InsurerToken = "e2e-insurer-01010016";
    private readonly string _dataDir = TestFiles.NewTempDir("shinsa-e2e");
    private SiloProcess _silo = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    static DashboardEndToEndTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (.ci/run does it)");
        _silo = SiloProcess.Start(_dataDir, new Dictionary<string, string>
        {
            ["Shinsa__ShardCount"] = "4",
            ["Shinsa__Workers"] = "2",
            ["Shinsa__Auth__Tokens__0__Hash"] = TokenRegistry.HashOf(InsurerToken),
            ["Shinsa__Auth__Tokens__0__Role"] = "insurer:01010016",
            ["Shinsa__Auth__Tokens__0__Name"] = "保険者 01010016 担当",
        });
        await _silo.WaitReadyAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        _silo.Dispose();
        TestFiles.DeleteTempDir(_dataDir);
    }

    private async Task<IPage> LogInAsync(string token, Func<IPage, Task>? beforeLogin = null)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { Locale = "ja-JP", ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        if (beforeLogin is not null) await beforeLogin(page);
        await page.GotoAsync(_silo.Url + "/");
        Assert.EndsWith("/login", page.Url); // no cookie yet: the shell sends the browser to the login page
        await page.FillAsync("#token", token);
        await page.ClickAsync("#login-button");
        await page.WaitForURLAsync(_silo.Url + "/");
        return page;
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("SHINSA_SCREENSHOT_DIR") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name), FullPage = true });
    }

    /// <summary>Submits a claim file; its submission id.</summary>
    private async Task<string> SubmitAsync(byte[] file)
    {
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new("application/octet-stream");
        var response = await _silo.Client.PostAsync("/api/v1/submissions", content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Runs a wait on the board; when it fails, says whether the silo had applied the file (the API's view of the
    /// submission and the month's KPIs) and what the silo logged, so a board that did not change can be told apart from a
    /// silo that did not apply.
    /// </summary>
    private async Task ExplainedAsync(string submissionId, Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            var submission = await _silo.Client.GetStringAsync($"/api/v1/submissions/{submissionId}");
            var kpis = await _silo.Client.GetStringAsync("/api/v1/kpis/summary?service_month=2021-10&insurer=01010016");
            throw new Xunit.Sdk.XunitException(
                $"{e.Message}\nsubmission: {submission}\nKPIs from the API: {kpis}\nsilo output:\n{_silo.Output}");
        }
    }

    [Fact]
    public async Task An_insurer_logs_in_and_sees_its_board_change_live_when_a_file_is_submitted()
    {
        // The landing page (this insurer's board) asks for its latest month before it draws. Holding that first answer
        // back makes it finish after the navigation below: it must not draw over the newer page (under load it did, and
        // the visible board then followed the wrong month's stream).
        var landingMonthAnswered = new TaskCompletionSource();
        var trendRequests = 0;
        var page = await LogInAsync(InsurerToken, p => p.RouteAsync("**/api/v1/kpis/trend?*", async route =>
        {
            if (Interlocked.Increment(ref trendRequests) > 1) { await route.ContinueAsync(); return; }
            await Task.Delay(1500);
            await route.ContinueAsync();
            landingMonthAnswered.TrySetResult();
        }));
        await Expect(page.Locator("#who")).ToContainTextAsync("保険者 01010016");
        await page.GotoAsync(_silo.Url + "/#/insurer/01010016?month=2021-10");
        await landingMonthAnswered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var receipts = page.Locator("[data-kpi=receipts] .value");
        await Expect(receipts).ToHaveTextAsync("0", new() { Timeout = 15_000 });
        await Expect(page.Locator("#live")).ToHaveClassAsync("live on");
        await page.EvaluateAsync("() => window.__notReloaded = true");

        var id = await SubmitAsync(TestFiles.SampleUkeBytes()); // 45 of its 75 receipts are insurer 01010016's

        await ExplainedAsync(id, () => Expect(receipts).ToHaveTextAsync("45", new() { Timeout = 30_000 }));
        await Expect(page.Locator("h1")).ToContainTextAsync("2021-10 診療分");
        await Expect(page.Locator("[data-kpi=points] .value")).ToHaveTextAsync("65,213");
        await Expect(page.Locator("[data-kpi=cost_yen] .value")).ToHaveTextAsync("652,130");
        await Expect(page.Locator("[data-kpi=points_per_receipt] .value")).ToHaveTextAsync("1,449.18");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page was reloaded");
        await Expect(page.Locator("#trend-points svg rect")).ToHaveCountAsync(1);
        await ScreenshotAsync(page, "insurer-board.png");

        // Another insurer's board: nothing but a refusal, and the API behind it answers 403 to this cookie.
        await page.GotoAsync(_silo.Url + "/#/insurer/34130021?month=2021-10");
        await Expect(page.Locator("#denied")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-kpi]")).ToHaveCountAsync(0);
        var status = await page.EvaluateAsync<int>("() => fetch('/api/v1/kpis?scope=insurer&id=34130021&service_month=2021-10').then(r => r.status)");
        Assert.Equal(403, status);
        Assert.Equal(403, await page.EvaluateAsync<int>("() => fetch('/api/v1/kpis?scope=prefecture&service_month=2021-10').then(r => r.status)"));
        await page.GotoAsync(_silo.Url + "/#/prefecture");
        await Expect(page.Locator("#denied")).ToBeVisibleAsync();
        Assert.DoesNotContain("34130021", await page.Locator("nav").InnerTextAsync());

        // The worklist: the insurer is fixed to the user's whatever the URL says; the sample's duplicate 外来 receipts are
        // DUP findings. Open one and reach the household's cross-month view.
        await page.GotoAsync(_silo.Url + "/#/findings?insurer=34130021&month=2021-10");
        await Expect(page.Locator("input[name=insurer]")).ToHaveValueAsync("01010016");
        var rows = page.Locator("#findings tbody tr");
        await Expect(rows.First).ToContainTextAsync("DUP");
        await ScreenshotAsync(page, "findings.png");
        await rows.First.Locator("a.household-link").ClickAsync();
        await Expect(page.Locator("#household-months section.month[data-month='2021-10']")).ToBeVisibleAsync();
        await Expect(page.Locator("#household-months .household-findings li").First).ToContainTextAsync("DUP");
        Assert.Matches(@"#/household/01010016/", page.Url);
        await ScreenshotAsync(page, "household.png");

        // The federation's audit log holds that household read, by this user.
        var audit = await _silo.Client.GetStringAsync("/api/v1/audit?what=beneficiary");
        Assert.Contains("保険者 01010016 担当", audit);
        Assert.Contains("/api/v1/beneficiaries/01010016/", audit);
    }

    [Fact]
    public async Task The_federation_sees_the_prefecture_the_insurers_trend_and_the_host()
    {
        // Three service months (variants of the real sample with their own providers), so the trend has three bars.
        var sample = TestFiles.SampleUkeBytes();
        await SubmitAsync(sample);
        await SubmitAsync(WithServiceMonth(SampleReplicator.MakeVariant(sample, 1), "202109"));
        await SubmitAsync(WithServiceMonth(SampleReplicator.MakeVariant(sample, 2), "202108"));

        var page = await LogInAsync(SiloProcess.AdminToken);
        await page.GotoAsync(_silo.Url + "/#/prefecture?month=2021-10");
        await Expect(page.Locator("[data-kpi=receipts] .value")).ToHaveTextAsync("75", new() { Timeout = 30_000 });
        await Expect(page.Locator("#insurers a", new() { HasText = "01010016" })).ToBeVisibleAsync();
        await Expect(page.Locator("#trend svg rect")).ToHaveCountAsync(3, new() { Timeout = 15_000 });
        await ScreenshotAsync(page, "dashboard.png");

        await page.Locator("#insurers a", new() { HasText = "01010016" }).ClickAsync();
        await Expect(page.Locator("#insurer-no")).ToHaveTextAsync("01010016");
        await Expect(page.Locator("[data-kpi=receipts] .value")).ToHaveTextAsync("45", new() { Timeout = 15_000 });

        // A provider's profile: its 後発 share and 柔整 patterns on top; the population rates are not a provider's.
        await page.GotoAsync(_silo.Url + "/#/provider/0000000?insurer=34130021&month=2021-10");
        await Expect(page.Locator("[data-kpi=receipts] .value")).ToHaveTextAsync("15", new() { Timeout = 15_000 });
        await Expect(page.Locator("#patterns [data-pattern=generic_share]")).ToContainTextAsync("後発医薬品使用割合");
        await Expect(page.Locator("#patterns [data-pattern=judo_multi_share]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-kpi=consultation_rate]")).ToHaveCountAsync(0);
        await Expect(page.Locator(".pending-list")).ToContainTextAsync("受診率");

        await page.GotoAsync(_silo.Url + "/#/host");
        await Expect(page.Locator("#host tbody tr")).ToHaveCountAsync(4);
        await ScreenshotAsync(page, "host.png");
    }

    /// <summary>Moves every receipt of a Shift_JIS UKE file to another 診療年月 (RE field 4).</summary>
    private static byte[] WithServiceMonth(byte[] uke, string yyyymm)
    {
        var sjis = Encoding.GetEncoding(932);
        var lines = sjis.GetString(uke).Split("\r\n").Select(line =>
        {
            if (!line.StartsWith("RE,")) return line;
            var fields = line.Split(',');
            fields[3] = yyyymm;
            return string.Join(',', fields);
        });
        return sjis.GetBytes(string.Join("\r\n", lines));
    }
}
