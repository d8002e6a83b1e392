using System.Threading.Channels;
using Shinsa.Grains;
using Shinsa.Grains.Records;

namespace Shinsa.Silo.Actors;

/// <summary>
/// A record on its way from the log to a shard, as the log holds it (the log position is its identity), or a query
/// that must run on the shard's worker because it reads grains (a household's cross-month view).
/// </summary>
internal readonly record struct WorkItem(int Shard, long Seq, byte[]? Payload, Action<Shard>? Query = null)
{
    /// <summary>A housekeeping nudge (snapshot, idle collection) rather than a record.</summary>
    public bool IsTick => Payload is null && Query is null;
}

/// <summary>
/// Drives a fixed set of shards, one record at a time, in log order. A shard has exactly one worker, so its grains
/// are never touched concurrently. The inbox is bounded; admission control upstream keeps it from filling.
/// </summary>
internal sealed class ShardWorker
{
    private readonly Dictionary<int, Shard> _shards;
    private readonly Channel<WorkItem> _inbox;
    private readonly Hosting.ShinsaOptions _options;
    private readonly Action<int> _applied;
    private readonly Action<Exception> _failed;

    public ShardWorker(int id, IEnumerable<Shard> shards, Hosting.ShinsaOptions options, Action<int> applied, Action<Exception> failed)
    {
        Id = id;
        _shards = shards.ToDictionary(s => s.Id);
        _options = options;
        _applied = applied;
        _failed = failed;
        _inbox = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(Math.Max(1024, options.MaxBacklogRecords + 1024))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public int Id { get; }
    public IReadOnlyCollection<Shard> Shards => _shards.Values;
    public int QueueLength => _inbox.Reader.Count;

    public ValueTask EnqueueAsync(WorkItem item, CancellationToken ct) => _inbox.Writer.WriteAsync(item, ct);

    public void Nudge() => _inbox.Writer.TryWrite(new WorkItem(-1, 0, null));

    public void Complete() => _inbox.Writer.TryComplete();

    // Holding records back lets tests fill the backlog deterministically (the 429 path) without timing tricks.
    private volatile TaskCompletionSource? _paused;
    internal void Pause() => _paused ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    internal void Resume() { _paused?.TrySetResult(); _paused = null; }

    public async Task RunAsync()
    {
        try
        {
            var reader = _inbox.Reader;
            var batch = new List<WorkItem>(MaxBatch);
            // Each record decoded, with its household's key (the prefetch and the shard both need it; a card builds a new
            // string each time it is asked).
            var records = new List<(LogRecord Record, string? GrainKey)?>(MaxBatch);
            while (await reader.WaitToReadAsync())
            {
                if (_paused is { } paused) await paused.Task;
                batch.Clear();
                records.Clear();
                while (batch.Count < MaxBatch && reader.TryRead(out var next))
                {
                    batch.Add(next);
                    records.Add(next.Payload is { } payload && GrainCodec.DecodeRecord(payload) is var record
                        ? (record, record is IShardWide ? null : record.Card.Key)
                        : null);
                }
                Prefetch(batch, records);
                var applied = 0;
                for (var i = 0; i < batch.Count; i++)
                {
                    var item = batch[i];
                    if (item.IsTick) continue;
                    var shard = _shards[item.Shard];
                    if (item.Query is { } query) { query(shard); continue; }
                    var (record, grainKey) = records[i]!.Value;
                    shard.Apply(item.Seq, record, grainKey);
                    applied++;
                    if (shard.RecordsSinceCheckpoint >= _options.SnapshotEveryRecords) shard.Checkpoint();
                }
                if (applied > 0) _applied(applied);
                Housekeep();
            }
            foreach (var shard in _shards.Values) shard.Checkpoint();
        }
        catch (Exception e)
        {
            _failed(e);
        }
    }

    private const int MaxBatch = 4096;

    /// <summary>
    /// Looks up, in one store call, the snapshots of the households the batch's records go to and that
    /// are not resident: a new household is otherwise one store round trip (and one read lock) of its own.
    /// </summary>
    private void Prefetch(List<WorkItem> batch, List<(LogRecord Record, string? GrainKey)?> records)
    {
        Dictionary<int, HashSet<string>>? keysByShard = null;
        for (var i = 0; i < batch.Count; i++)
        {
            if (records[i]?.GrainKey is not { } grainKey) continue;
            keysByShard ??= new();
            if (!keysByShard.TryGetValue(batch[i].Shard, out var keys)) keysByShard[batch[i].Shard] = keys = new(StringComparer.Ordinal);
            keys.Add(grainKey);
        }
        if (keysByShard is null) return;
        Shard.Prefetch(keysByShard.Select(k => (_shards[k.Key], (IEnumerable<string>)k.Value)).ToList());
    }

    /// <summary>
    /// Checkpoints the shards whose snapshot is due (and drops their idle grains), the most overdue first. While
    /// records are waiting it does one shard and goes back to applying: a worker's shards fall due together, and
    /// checkpointing them all in a row held every waiting record back for the whole round (the freshness tail).
    /// </summary>
    private void Housekeep()
    {
        while (true)
        {
            Shard? due = null;
            foreach (var shard in _shards.Values)
                if (shard.SinceCheckpoint >= _options.SnapshotInterval && (due is null || shard.SinceCheckpoint > due.SinceCheckpoint))
                    due = shard;
            if (due is null) return;
            due.Checkpoint();
            due.CollectIdle(_options.IdleAfter);
            if (_inbox.Reader.Count > 0) return;
        }
    }
}
