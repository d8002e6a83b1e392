using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shinsa.Silo.Auth;
using Shinsa.Silo.Hosting;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>The audit log of person-level reads: durable, queryable by the federation, and KPI reads stay out of it.</summary>
public sealed class AuditTests : IDisposable
{
    private const string InsurerToken = "insurer-01010016-token";
    private readonly string _dir = TestFiles.NewTempDir("shinsa-audit");

    public void Dispose() => TestFiles.DeleteTempDir(_dir);

    /// <summary>
    /// A person-level endpoint declared the way the checks issue will declare its own (RequireInsurerScope + AuditPersonRead),
    /// on a minimal app with the silo's auth wiring: every allowed read is audited, a refused one is not.
    /// </summary>
    [Fact]
    public async Task A_person_level_read_is_audited_and_listed_by_the_audit_endpoint_a_refused_read_is_not()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(SiloFactory.Tokens((InsurerToken, "insurer:01010016")))
        {
            ["Shinsa:DataDir"] = _dir, ["Shinsa:Auth:AdminToken"] = SiloFactory.AdminToken,
        });
        builder.Services.AddOptions<ShinsaOptions>().Bind(builder.Configuration.GetSection(ShinsaOptions.Section));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.AddShinsaAuth();
        await using var app = builder.Build();
        app.UseShinsaAuth();
        app.MapGet("/api/v1/beneficiaries/{insurer}/{symbol}/{number}", (string insurer, string symbol, string number) => Results.Ok(new { insurer, symbol, number }))
            .RequireInsurerScope("insurer")
            .AuditPersonRead("beneficiary");
        app.MapGet("/api/v1/kpi-like", () => Results.Ok(new { receipts = 1 })).RequireInsurerScope("insurer");
        await app.StartAsync();
        var server = app.GetTestServer();
        HttpClient As(string? token)
        {
            var c = server.CreateClient();
            if (token is not null) c.DefaultRequestHeaders.Authorization = new("Bearer", token);
            return c;
        }
        var insurer = As(InsurerToken);
        var admin = As(SiloFactory.AdminToken);

        Assert.Equal(HttpStatusCode.OK, (await insurer.GetAsync("/api/v1/beneficiaries/01010016/12/345")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await insurer.GetAsync("/api/v1/beneficiaries/34130021/12/345")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await As(null).GetAsync("/api/v1/beneficiaries/01010016/12/345")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await insurer.GetAsync("/api/v1/kpi-like?insurer=01010016")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/beneficiaries/34130021/7/8")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await insurer.GetAsync("/api/v1/audit")).StatusCode);
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit");
        var items = audit.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal(("admin", "federation", "beneficiary", "/api/v1/beneficiaries/34130021/7/8"),
            (items[0].GetProperty("who").GetString(), items[0].GetProperty("role").GetString(), items[0].GetProperty("what").GetString(),
                items[0].GetProperty("subject").GetString()));
        Assert.Equal(("insurer:01010016 user", "/api/v1/beneficiaries/01010016/12/345"),
            (items[1].GetProperty("who").GetString(), items[1].GetProperty("subject").GetString()));
        Assert.True(DateTimeOffset.UtcNow - items[1].GetProperty("at").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
        await app.StopAsync();
    }

    [Fact]
    public async Task Kpi_reads_are_not_audited()
    {
        using var silo = new SiloFactory(SiloFactory.Tokens((InsurerToken, "insurer:01010016")));
        var admin = await silo.StartAsync();
        var insurer = silo.ClientWith(InsurerToken);
        await admin.WaitAppliedAsync(await admin.SubmitAsync(TestFiles.SampleUkeBytes()));
        var audit = silo.Services.GetRequiredService<IAuditLog>();
        audit.Record(new AuditEntry(DateTimeOffset.UtcNow, "marker", "federation", "test", "/marker"));

        await insurer.GetStringAsync("/api/v1/kpis/summary?service_month=2021-10&insurer=01010016");
        await insurer.GetStringAsync("/api/v1/kpis?scope=insurer&id=01010016&service_month=2021-10");
        await insurer.GetStringAsync("/api/v1/kpis/trend?scope=insurer&id=01010016");
        await admin.GetStringAsync("/api/v1/kpis?scope=prefecture&service_month=2021-10");

        var items = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("marker", Assert.Single(items).GetProperty("who").GetString());
    }
}
