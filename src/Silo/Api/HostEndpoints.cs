using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Auth;
using Shinsa.Silo.Hosting;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Api;

public sealed record ShardView(int Shard, int Worker, long AppliedSeq, long CheckpointSeq, long Unsnapshotted, int Resident, double? SnapshotAgeSeconds);

/// <summary>The silo's status. <c>CpuSeconds</c> (the process's CPU time so far) and <c>Processors</c> let a benchmark
/// state what a receipt cost the silo, beside what it cost to parse; <c>AllocatedBytes</c> and <c>GcPauseSeconds</c>
/// (the process's so far) what part of that the garbage collector took, a figure that, unlike the time, the machine's
/// noise does not move.</summary>
public sealed record HostView(
    string Silo, string Store, bool Ready, string? Fault, double UptimeSeconds, int ShardCount, int Workers, int ResidentGrains,
    long Backlog, long RecordsApplied, double RecordsPerSecond, IReadOnlyList<ShardView> Shards, double CpuSeconds, int Processors,
    long AllocatedBytes, double GcPauseSeconds);

/// <summary>
/// Samples the host every second: records applied per second, from the silo's own "shinsa.records.applied" counter
/// (only this host's meter: tests run several silos in one process), over the last five seconds; and when each
/// shard's checkpoint position last moved (its snapshot age; null until this silo saw one written).
/// </summary>
public sealed class HostSampler : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Timer _timer;
    private readonly Queue<(DateTime At, long Total)> _samples = new();
    private readonly Lock _lock = new();
    private readonly ActorHost _host;
    private readonly Dictionary<int, (long Seq, DateTime At)> _checkpoints = new();
    private long _total;

    public HostSampler(IMeterFactory factory, ActorHost host)
    {
        _host = host;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ShinsaMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)
                && instrument.Name == "shinsa.records.applied")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
        _listener.Start();
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    public long Total => Interlocked.Read(ref _total);

    /// <summary>When the silo started listening to its counters (its start, since this is created with the endpoints).</summary>
    public DateTime Started { get; } = DateTime.UtcNow;

    private void Sample()
    {
        var now = DateTime.UtcNow;
        lock (_lock)
        {
            _samples.Enqueue((now, Total));
            while (_samples.Count > 6) _samples.Dequeue();
            foreach (var s in _host.ShardStatus())
                if (!_checkpoints.TryGetValue(s.Shard, out var seen)) _checkpoints[s.Shard] = (s.CheckpointSeq, DateTime.MinValue);
                else if (seen.Seq != s.CheckpointSeq) _checkpoints[s.Shard] = (s.CheckpointSeq, now);
        }
    }

    /// <summary>Seconds since the shard's checkpoint last moved, or null when this silo has not seen it move.</summary>
    public double? SnapshotAgeSeconds(int shard)
    {
        lock (_lock)
            return _checkpoints.TryGetValue(shard, out var seen) && seen.At != DateTime.MinValue
                ? Math.Round((DateTime.UtcNow - seen.At).TotalSeconds, 1)
                : null;
    }

    public double PerSecond
    {
        get
        {
            lock (_lock)
            {
                if (_samples.Count == 0) return 0;
                var (at, total) = _samples.Peek();
                var seconds = (DateTime.UtcNow - at).TotalSeconds;
                return seconds < 0.5 ? 0 : Math.Round((Total - total) / seconds, 1);
            }
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _listener.Dispose();
    }
}

public static class HostEndpoints
{
    public static void MapHostEndpoints(this IEndpointRouteBuilder app)
    {
        app.ServiceProvider.GetRequiredService<HostSampler>(); // listening from the start, not from the first request
        app.MapGet("/api/v1/host", (ActorHost host, ILogStore store, IOptions<ShinsaOptions> options, HostSampler rate) =>
            {
                var shards = host.ShardStatus()
                    .Select(s => new ShardView(s.Shard, s.Worker, s.AppliedSeq, s.CheckpointSeq, Math.Max(0, s.AppliedSeq - s.CheckpointSeq), s.Resident, rate.SnapshotAgeSeconds(s.Shard)))
                    .ToList();
                return Results.Ok(new HostView(Environment.MachineName, store.Description, host.IsReady, host.Fault?.Message,
                    Math.Round((DateTime.UtcNow - rate.Started).TotalSeconds), host.ShardCount, shards.Select(s => s.Worker).Distinct().Count(),
                    host.ResidentGrains, host.Backlog, rate.Total, rate.PerSecond, shards,
                    Math.Round(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, 3), Environment.ProcessorCount,
                    GC.GetTotalAllocatedBytes(), Math.Round(GC.GetTotalPauseDuration().TotalSeconds, 3)));
            })
            .RequireFederation()
            .WithTags("Host")
            .Produces<HostView>()
            .WithSummary("The silo: shards and their workers, applied and checkpoint log positions, resident grains, records/s, backlog, CPU seconds used (federation only)");
    }
}
