using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shinsa.Silo.Actors;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>An in-process silo on a fresh SQLite data dir, with settings a test can override.</summary>
public sealed class SiloFactory : WebApplicationFactory<ActorHost>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDataDir;

    /// <summary>A silo on <paramref name="dataDir"/> (a restart: the caller keeps the dir) or on a fresh one it deletes.</summary>
    public SiloFactory(Dictionary<string, string?>? settings = null, string? dataDir = null)
    {
        _ownsDataDir = dataDir is null;
        DataDir = dataDir ?? TestFiles.NewTempDir("shinsa-silo");
        _settings = new()
        {
            ["Shinsa:DataDir"] = DataDir, ["Shinsa:ShardCount"] = "8", ["Shinsa:Workers"] = "2",
            ["Shinsa:Auth:AdminToken"] = AdminToken,
        };
        foreach (var (k, v) in settings ?? []) _settings[k] = v;
    }

    public string DataDir { get; }

    /// <summary>The federation token every test silo accepts (the clients of <see cref="StartAsync"/> send it).</summary>
    public const string AdminToken = "test-admin-token";

    /// <summary>Settings that configure more tokens (Shinsa:Auth:Tokens, by their SHA-256), e.g. an insurer's.</summary>
    public static Dictionary<string, string?> Tokens(params (string Token, string Role)[] tokens)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < tokens.Length; i++)
        {
            settings[$"Shinsa:Auth:Tokens:{i}:Hash"] = Auth.TokenRegistry.HashOf(tokens[i].Token);
            settings[$"Shinsa:Auth:Tokens:{i}:Role"] = tokens[i].Role;
            settings[$"Shinsa:Auth:Tokens:{i}:Name"] = tokens[i].Role + " user";
        }
        return settings;
    }

    /// <summary>A client that sends <paramref name="token"/> (null: no Authorization header).</summary>
    public HttpClient ClientWith(string? token)
    {
        var client = CreateClient();
        if (token is not null) client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    /// <summary>What the silo logged (Information and above), e.g. why it refused to start.</summary>
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        // A null value leaves the setting out (e.g. the shard count, to get the silo's own default).
        foreach (var (key, value) in _settings)
            if (value is not null) builder.UseSetting(key, value);
    }

    internal ActorHost Host => Services.GetRequiredService<ActorHost>();

    public async Task<HttpClient> StartAsync()
    {
        var client = ClientWith(AdminToken);
        await Host.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!_ownsDataDir) return;
        TestFiles.DeleteTempDir(DataDir);
    }
}

internal static class Api
{
    public static async Task<HttpResponseMessage> PostFile(this HttpClient client, string path, byte[] bytes, string fileName = "RECEIPTC.UKE")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("X-File-Name", fileName);
        return await client.SendAsync(request);
    }

    public static Task<string> SubmitAsync(this HttpClient client, byte[] bytes, string fileName = "RECEIPTC.UKE") =>
        client.PostAcceptedAsync("/api/v1/submissions", bytes, fileName);

    /// <summary>Posts a CSV feed (eligibility, check-ups, decisions, …), asserts 202 and returns the submission id.</summary>
    public static Task<string> PostCsvAsync(this HttpClient client, string path, string csv) =>
        client.PostAcceptedAsync(path, System.Text.Encoding.UTF8.GetBytes(csv), "feed.csv");

    public static Task<string> PostCsvAsync(this HttpClient client, string path, byte[] csv) => client.PostAcceptedAsync(path, csv, "feed.csv");

    private static async Task<string> PostAcceptedAsync(this HttpClient client, string path, byte[] bytes, string fileName)
    {
        var response = await client.PostFile(path, bytes, fileName);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> WaitAppliedAsync(this HttpClient client, string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = await client.GetFromJsonAsync<JsonElement>($"/api/v1/submissions/{id}");
            if (status.GetProperty("status").GetString() == "applied") return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"submission {id} not applied: {status}");
            await Task.Delay(20);
        }
    }

    public static async Task<JsonElement> KpiAsync(this HttpClient client, string query) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/v1/kpis/summary?{query}");
}
