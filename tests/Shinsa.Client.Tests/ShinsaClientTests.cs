using Shinsa.Client.Api;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Silo.Tests;
using Shinsa.Tests.Common;

namespace Shinsa.Client.Tests;

/// <summary>The client library against a real silo (in process, real SQLite).</summary>
public sealed class ShinsaClientTests : IDisposable
{
    private readonly SiloFactory _silo = new(new() { ["Shinsa:MaxBacklogRecords"] = "100", ["Shinsa:RetryAfterSeconds"] = "1" });

    public void Dispose() => _silo.Dispose();

    [Fact]
    public async Task Submit_wait_and_read_the_kpis_of_the_real_sample()
    {
        var client = new ShinsaClient(await _silo.StartAsync());
        var id = await client.SubmitAsync(TestFiles.SampleUkeBytes(), "RECEIPTC.UKE");
        var status = await client.WaitAppliedAsync(id, TimeSpan.FromSeconds(30));

        Assert.Equal(new Counts(75, 75, 0), status.Receipts);
        Assert.Equal(86_392, status.Points);
        // Hand-computed from the file with awk: 75 receipts, 86 days, 86,392 points.
        Assert.Equal(new KpiSummary(75, 86, 86_392, 863_920), await client.GetKpiSummaryAsync("2021-10"));
        Assert.Equal(new KpiSummary(45, 49, 65_213, 652_130), await client.GetKpiSummaryAsync("2021-10", insurer: "01010016"));
        Assert.True(await client.IsReadyAsync());
    }

    [Fact]
    public async Task WatchKpis_yields_the_pushed_kpis_and_a_refusal_is_an_exception_with_the_reason()
    {
        var client = new ShinsaClient(await _silo.StartAsync());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<long>();
        var submitted = false;
        await foreach (var kpi in client.WatchKpisAsync("scope=insurer&id=01010016&service_month=2021-10", cts.Token))
        {
            var receipts = kpi.GetProperty("kpis").EnumerateArray().Single(k => k.GetProperty("id").GetString() == "receipts").GetProperty("value").GetInt64();
            seen.Add(receipts);
            if (!submitted)
            {
                await client.SubmitAsync(TestFiles.SampleUkeBytes(), "RECEIPTC.UKE", cts.Token);
                submitted = true;
            }
            if (receipts == 45) break;
        }
        Assert.Equal(0, seen[0]);
        Assert.Equal(45, seen[^1]);

        var anonymous = new ShinsaClient(_silo.ClientWith(null));
        var refused = await Assert.ThrowsAsync<ShinsaApiException>(async () =>
        {
            await foreach (var _ in anonymous.WatchKpisAsync("scope=prefecture&service_month=2021-10", cts.Token)) { }
        });
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.Status);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_servers_Retry_After_until_accepted()
    {
        var client = new ShinsaClient(await _silo.StartAsync());
        _silo.Host.PauseWorkers();
        var sample = TestFiles.SampleUkeBytes();
        var first = await client.SubmitAsync(sample, "a.UKE");

        var second = client.SubmitAsync(SampleReplicator.MakeVariant(sample, 1), "b.UKE");
        await Task.Delay(1500);
        Assert.False(second.IsCompleted);
        Assert.True(client.Retries >= 1);
        _silo.Host.ResumeWorkers();

        var id = await second.WaitAsync(TimeSpan.FromSeconds(30));
        await client.WaitAppliedAsync(first, TimeSpan.FromSeconds(30));
        await client.WaitAppliedAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(150, (await client.GetKpiSummaryAsync("2021-10")).Receipts);
    }

    [Fact]
    public async Task A_refused_file_raises_the_servers_reason()
    {
        var client = new ShinsaClient(await _silo.StartAsync());
        var error = await Assert.ThrowsAsync<ShinsaApiException>(() => client.SubmitAsync("not a claim file\r\n"u8.ToArray(), "x.txt"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("not IR", error.Message);
    }

    [Fact]
    public async Task Eligibility_rows_are_counted()
    {
        var client = new ShinsaClient(await _silo.StartAsync());
        var csv = TestFiles.EligibilityHeader + "\n" +
                  "acquire,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho\n";
        var accepted = await client.SubmitEligibilityAsync(System.Text.Encoding.UTF8.GetBytes(csv), "e.csv");
        Assert.Equal(new Counts(1, 1, 0), accepted.Rows);
        Assert.Empty(accepted.Errors);
    }
}
