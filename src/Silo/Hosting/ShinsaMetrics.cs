using System.Diagnostics.Metrics;
using Shinsa.Silo.Actors;

namespace Shinsa.Silo.Hosting;

/// <summary>The silo's System.Diagnostics.Metrics instruments (meter "Shinsa"), for dotnet-counters or OpenTelemetry.</summary>
public sealed class ShinsaMetrics : IDisposable
{
    public const string MeterName = "Shinsa";
    private readonly Meter _meter;

    public ShinsaMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(MeterName);
        Submissions = _meter.CreateCounter<long>("shinsa.submissions", description: "Files accepted into the log (duplicates excluded)");
        ReceiptsAccepted = _meter.CreateCounter<long>("shinsa.receipts.accepted", description: "Receipts appended to the log");
        ReceiptsRejected = _meter.CreateCounter<long>("shinsa.receipts.rejected", description: "Receipts rejected by parsing");
        RecordsApplied = _meter.CreateCounter<long>("shinsa.records.applied", description: "Log records applied to grains");
        Throttled = _meter.CreateCounter<long>("shinsa.submissions.throttled", description: "Submissions answered 429");
    }

    public Counter<long> Submissions { get; }
    public Counter<long> ReceiptsAccepted { get; }
    public Counter<long> ReceiptsRejected { get; }
    public Counter<long> RecordsApplied { get; }
    public Counter<long> Throttled { get; }

    internal void ObserveHost(ActorHost host)
    {
        _meter.CreateObservableGauge("shinsa.grains.resident", () => host.ResidentGrains, description: "Grains in memory");
        _meter.CreateObservableGauge("shinsa.backlog", () => host.Backlog, description: "Records accepted but not yet applied");
    }

    public void Dispose() => _meter.Dispose();
}
