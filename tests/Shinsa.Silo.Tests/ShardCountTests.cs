using System.Net.Http.Json;
using System.Text.Json;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>
/// Shinsa:ShardCount left unset: a new data dir is created with the embedded default, and a data dir keeps the count
/// it was created with across restarts, whatever the default; an explicit other count is refused.
/// </summary>
public sealed class ShardCountTests : IDisposable
{
    private readonly string _dir = TestFiles.NewTempDir("shinsa-shards");

    public void Dispose() => TestFiles.DeleteTempDir(_dir);

    private SiloFactory Silo(string? shardCount) => new(new() { ["Shinsa:ShardCount"] = shardCount }, _dir);

    /// <summary>Submits the real sample and returns its id and the month's KPI summary once applied.</summary>
    private static async Task<(string Id, string Kpi)> IngestSample(HttpClient client)
    {
        var id = await client.SubmitAsync(TestFiles.SampleUkeBytes());
        await client.WaitAppliedAsync(id);
        return (id, await Kpi(client));
    }

    private static async Task<string> Kpi(HttpClient client) => JsonSerializer.Serialize(await client.KpiAsync("service_month=2021-10"));

    [Fact]
    public async Task A_new_data_dir_takes_two_shards_per_core_between_4_and_16_and_keeps_them_on_restart()
    {
        string id, kpi;
        using (var silo = Silo(null))
        {
            var client = await silo.StartAsync();
            Assert.Equal(Math.Clamp(2 * Environment.ProcessorCount, 4, 16), silo.Host.ShardCount);
            (id, kpi) = await IngestSample(client);
            Assert.Contains("\"receipts\":75", kpi);
        }

        using var again = Silo(null);
        var restarted = await again.StartAsync();
        Assert.Equal(Math.Clamp(2 * Environment.ProcessorCount, 4, 16), again.Host.ShardCount);
        Assert.Equal(kpi, await Kpi(restarted));
        // The same bytes again are the same submission: recognised, not counted twice.
        Assert.Equal(id, await restarted.SubmitAsync(TestFiles.SampleUkeBytes()));
        await restarted.WaitAppliedAsync(id);
        Assert.Equal(kpi, await Kpi(restarted));
    }

    [Fact]
    public async Task A_data_dir_keeps_the_count_it_was_created_with_when_the_setting_is_removed_and_refuses_another()
    {
        string kpi;
        using (var silo = Silo("7"))
        {
            var client = await silo.StartAsync();
            (_, kpi) = await IngestSample(client);
        }

        using (var unset = Silo(null))
        {
            var client = await unset.StartAsync();
            Assert.Equal(7, unset.Host.ShardCount);
            Assert.Equal(kpi, await Kpi(client));
            var host = await client.GetFromJsonAsync<JsonElement>("/api/v1/host");
            Assert.Equal(7, host.GetProperty("shard_count").GetInt32());
        }

        using var other = Silo("4");
        await Assert.ThrowsAnyAsync<Exception>(other.StartAsync);
        // The reason is read where an operator reads it. The exception the test host rethrows may instead be its own
        // ObjectDisposedException: the silo's failed start disposes its services while the test host waits for it.
        Assert.Contains(other.Logs.Lines, line =>
            (line.StartsWith("Critical") || line.StartsWith("Error")) && line.Contains("created with 7 shards; the configured shard count is 4"));
    }
}
