using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Hosting;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Ingest;

/// <summary>A parsed submission waiting for its durable append; completed with the append's outcome.</summary>
internal sealed class PendingSubmission(SubmissionAppend append)
{
    public SubmissionAppend Append { get; } = append;
    /// <summary>The records the submission reserved room for in the backlog: its log entries.</summary>
    public int RecordCount => Append.Entries.Count;
    public TaskCompletionSource<AppendOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The single appender: takes parsed submissions from a bounded queue, appends as many as are waiting in one
/// transaction (group commit, one fsync for many files), completes their requests (which then answer 202), and
/// hands the entries to the shard workers in log order, as the log holds them (encoded): a worker decodes the bytes a
/// replay would read, and a parsed receipt (dozens of objects) does not outlive its request into the older, costlier
/// generations of the heap while it waits in a queue.
/// </summary>
public sealed class IngestPipeline : BackgroundService
{
    private const int MaxBatchSubmissions = 64;
    private readonly Channel<PendingSubmission> _queue;
    private readonly ILogStore _store;
    private readonly ActorHost _host;
    private readonly ILogger<IngestPipeline> _logger;

    public IngestPipeline(ILogStore store, ActorHost host, IOptions<ShinsaOptions> options, ILogger<IngestPipeline> logger)
    {
        _store = store;
        _host = host;
        _logger = logger;
        // The record backlog (ActorHost.TryAdmit) is the real bound; this one only caps the number of files in flight.
        _queue = Channel.CreateBounded<PendingSubmission>(new BoundedChannelOptions(256) { SingleReader = true });
    }

    internal bool TryEnqueue(PendingSubmission pending) => _queue.Writer.TryWrite(pending);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _host.Ready.WaitAsync(stoppingToken);
        var reader = _queue.Reader;
        var batch = new List<PendingSubmission>(MaxBatchSubmissions);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatchSubmissions && reader.TryRead(out var pending)) batch.Add(pending);
                await AppendAndDispatch(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        finally
        {
            _queue.Writer.TryComplete();
            while (reader.TryRead(out var left))
                left.Done.TrySetException(new OperationCanceledException("the silo is stopping"));
        }
    }

    private async Task AppendAndDispatch(List<PendingSubmission> batch)
    {
        IReadOnlyList<AppendOutcome> outcomes;
        try
        {
            outcomes = _store.Append(batch.Select(p => p.Append).ToList());
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Appending {Count} submissions failed; none was acknowledged", batch.Count);
            foreach (var pending in batch)
            {
                _host.Release(pending.RecordCount);
                pending.Done.TrySetException(e);
            }
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var pending = batch[i];
            var outcome = outcomes[i];
            pending.Done.TrySetResult(outcome);
            if (outcome.FirstSeq is not { } seq)
            {
                _host.Release(pending.RecordCount);
                continue;
            }
            var entries = pending.Append.Entries;
            for (var j = 0; j < entries.Count; j++)
                await _host.DispatchAsync(entries[j].Shard, seq + j, entries[j].Payload);
            // Waiting records this append released (a decision whose receipt just arrived) follow the submission's own.
            _host.Reserve(outcome.Resolved.Count);
            for (var k = 0; k < outcome.Resolved.Count; k++)
                await _host.DispatchAsync(outcome.Resolved[k].Shard, seq + entries.Count + k, outcome.Resolved[k].Payload);
        }
    }
}
