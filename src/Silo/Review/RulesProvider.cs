using Microsoft.Extensions.Options;
using Shinsa.Grains.Review;
using Shinsa.Silo.Hosting;
using Shinsa.Silo.Ingest;
using Shinsa.Silo.Actors;

namespace Shinsa.Silo.Review;

/// <summary>
/// The rule file the silo is configured with (<c>Shinsa:Rules:File</c>, else the starter set), checked at start so a
/// broken file stops the silo with its reason. Once the shards are recovered, any shard whose log holds other rules
/// gets a RulesChanged through the log (so the change is replayed exactly like any record); silos of a cluster that start
/// together over the same state append it once.
/// </summary>
public sealed class RulesProvider : BackgroundService
{
    private readonly ActorHost _host;
    private readonly SubmissionService _submissions;
    private readonly ILogger<RulesProvider> _logger;

    public RulesProvider(IOptions<ShinsaOptions> options, ActorHost host, SubmissionService submissions, ILogger<RulesProvider> logger)
    {
        _host = host;
        _submissions = submissions;
        _logger = logger;
        var file = options.Value.Rules.File;
        Source = string.IsNullOrWhiteSpace(file) ? "starter rule set" : Path.GetFullPath(file);
        Json = string.IsNullOrWhiteSpace(file) ? RuleSet.StarterJson : File.ReadAllText(file);
        Rules = RuleSet.Parse(Json);
    }

    public string Json { get; }
    public RuleSet Rules { get; }
    public string Source { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _host.Ready.WaitAsync(stoppingToken);
        var stale = _host.ShardRules().Where(s => s.Json != Json).Select(s => s.Shard).ToList();
        if (stale.Count == 0)
        {
            _logger.LogInformation("Rule set version {Version} ({Source}) is in force on every shard", Rules.Version, Source);
            return;
        }
        var result = await _submissions.AppendRulesOverAsync(Json, Source);
        _logger.LogInformation("Rule set version {Version} ({Source}) appended for {Shards} shards: {Result}", Rules.Version, Source, stale.Count, result);
    }
}
