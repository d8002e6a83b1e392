using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Api;
using Shinsa.Silo.Auth;
using Shinsa.Silo.Dashboard;
using Shinsa.Silo.Hosting;
using Shinsa.Silo.Ingest;
using Shinsa.Silo.Masters;
using Shinsa.Silo.Review;
using Shinsa.Silo.Storage;

// appsettings.json sits beside the assembly; without this, `dotnet Shinsa.Silo.dll` from another directory
// would silently run on built-in defaults (and log every request).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// `--data-dir DIR` is the documented flag; it lands on Shinsa:DataDir like the environment variable Shinsa__DataDir.
builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--data-dir"] = "Shinsa:DataDir" });
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
    builder.WebHost.UseUrls(SiloDefaults.Url);

builder.Services.AddOptions<ShinsaOptions>().Bind(builder.Configuration.GetSection(ShinsaOptions.Section))
    .Validate(o => o.ShardCount > 0 && o.Workers > 0 && o.ResidentGrainCap > 0 && o.MaxBacklogRecords > 0,
        "Shinsa: ShardCount, Workers, ResidentGrainCap and MaxBacklogRecords must be positive")
    .Validate(o => o.LeaseTimeout >= TimeSpan.FromMilliseconds(300), "Shinsa: LeaseTimeout must be at least 00:00:00.300")
    .ValidateOnStart();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();
builder.Services.AddMetrics();
builder.Services.AddSingleton<ShinsaMetrics>();
builder.Services.AddSingleton<IPostConfigureOptions<ShinsaOptions>, DeploymentShardCount>();
builder.Services.AddSingleton(sp => StoreFactory.Create(sp.GetRequiredService<IOptions<ShinsaOptions>>().Value));
// Registration order matters at shutdown (reverse order): the pipeline stops appending before the workers stop.
builder.Services.AddSingleton<ActorHost>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ActorHost>());
builder.Services.AddSingleton<IngestPipeline>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestPipeline>());
builder.Services.AddSingleton<SubmissionService>();
builder.Services.AddSingleton<RulesProvider>();
builder.Services.AddSingleton<TransferCandidates>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<RulesProvider>());
builder.Services.AddSingleton<MastersProvider>();
builder.Services.AddSingleton<HostSampler>();
builder.Services.AddSingleton<KpiPayloadCache>();
builder.AddShinsaAuth(); // tokens, login cookie, audit log (src/Silo/Auth)
builder.Services.AddHealthChecks().AddCheck<ShardsRecoveredCheck>("shards", tags: ["ready"]);

var app = builder.Build();
// Loaded before the first request so a wrong Shinsa:Masters:Directory stops the start with its reason.
app.Services.GetRequiredService<MastersProvider>();
app.Services.GetRequiredService<RulesProvider>();
app.UseExceptionHandler();
app.UseDashboardAssets(); // the dashboard's static files (anonymous; every number they show comes from the API)
app.UseShinsaAuth();
app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous();
app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
app.MapSubmissionEndpoints();
app.MapKpiEndpoints();
app.MapReviewEndpoints();
app.MapClusterEndpoints();
app.MapKpiCatalogEndpoints();
app.MapHostEndpoints();
app.MapDashboardPages();

app.Lifetime.ApplicationStarted.Register(() =>
{
    var options = app.Services.GetRequiredService<IOptions<ShinsaOptions>>().Value;
    var store = app.Services.GetRequiredService<ILogStore>();
    var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
    if (app.Services.GetRequiredService<ActorHost>().Cluster is { } cluster && string.IsNullOrEmpty(cluster.Url))
        cluster.Url = addresses.FirstOrDefault() ?? "";
    app.Logger.LogInformation("Shinsa silo listening on {Urls}; data in {Store} ({Shards} shards, {Workers} workers)",
        string.Join(", ", addresses), store.Description, options.ShardCount, options.Workers);
});

app.Lifetime.ApplicationStopped.Register(() =>
    app.Logger.LogInformation("Stopped after {Gen0}/{Gen1}/{Gen2} GCs (gen0/1/2), {Pause} ms in GC pauses, {AllocatedMb} MB allocated, {Cpu} s CPU",
        GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), (long)GC.GetTotalPauseDuration().TotalMilliseconds,
        GC.GetTotalAllocatedBytes() >> 20,
        (long)System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds));

app.Run();

internal static class SiloDefaults
{
    public const string Url = "http://127.0.0.1:5080";
}
