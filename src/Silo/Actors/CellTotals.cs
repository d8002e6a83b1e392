using Shinsa.Grains.Rollups;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Actors;

/// <summary>
/// The KPI and measure cells as this silo answers them: the totals of every shard's checkpoints (as the store keeps
/// them, summed over the shards) and, over them, what the shards served here changed since. A provider's cell of a
/// month is changed by every shard where one of its patients' households lives; held per shard, the cells were about
/// one per receipt on 256 shards, and every cluster silo held every shard's. Totals grow with providers × insurers ×
/// months, not with the shards or the households.
/// </summary>
/// <remarks>
/// A checkpoint adds its shard's changes to the store's totals in its own transaction, then hands them here
/// (<see cref="Fold"/>). Embedded, this silo is the store's only writer, so they are added to the totals here at once.
/// In cluster mode other silos add to the same totals: the totals here are read back from the store
/// (<see cref="Sync"/>, with each shard's checkpoint position in the same snapshot), and a checkpoint written here is
/// kept apart until a read includes it. Every read and change takes <see cref="Lock"/>, then a shard's
/// <see cref="Shard.PartialsLock"/>, in that order.
/// </remarks>
internal sealed class CellTotals(bool shared)
{
    /// <summary>A shard's checkpointed changes that the totals do not hold yet.</summary>
    private sealed record Written(int Shard, long Seq, KpiRollup Kpis, MeasureRollup Measures);

    public Lock Lock { get; } = new();
    private readonly KpiRollup _kpis = new();
    private readonly MeasureRollup _measures = new();
    // Per shard, the checkpoint position the totals include (absent: 0, nothing of the shard).
    private readonly Dictionary<int, long> _positions = new();
    private readonly List<Written> _unseen = new();
    // Cluster: one read of the store at a time, so an older snapshot never lands after a newer one.
    private readonly Lock _syncLock = new();
    private ulong _since;

    /// <summary>Whether other silos add to the store's totals (cluster mode): then the totals here are read back from it.</summary>
    public bool Shared { get; } = shared;

    /// <summary>Embedded start: the store's totals and the checkpoints they include, before any shard applies a record.</summary>
    public void Load(ILogStore store, IReadOnlyDictionary<int, long> checkpoints)
    {
        lock (Lock)
        {
            foreach (var (key, value) in store.LoadKpiTotals().Select(CellValues.KpiCell)) _kpis.Add(key, value);
            foreach (var (key, value) in store.LoadMeasureTotals().Select(CellValues.MeasureCell)) _measures.Add(key, value);
            foreach (var (shard, seq) in checkpoints) _positions[shard] = seq;
        }
    }

    /// <summary>Whether any of <paramref name="positions"/> (shard, checkpoint position) is past what the totals include of its shard.</summary>
    public bool IsBehind(IEnumerable<KeyValuePair<int, long>> positions)
    {
        lock (Lock)
            foreach (var (shard, seq) in positions)
                if (seq > _positions.GetValueOrDefault(shard)) return true;
        return false;
    }

    /// <summary>The checkpoint position of <paramref name="shard"/> the totals include (0: none).</summary>
    public long PositionOf(int shard)
    {
        lock (Lock) return _positions.GetValueOrDefault(shard);
    }

    /// <summary>
    /// Takes the changes of <paramref name="shard"/>'s checkpoints written since the last fold out of its partials: into
    /// the totals (embedded), or kept apart until a read of the store includes them (cluster).
    /// </summary>
    public void Fold(Shard shard)
    {
        lock (Lock)
        {
            IReadOnlyList<(long Seq, KpiRollup Kpis, MeasureRollup Measures)> stored;
            lock (shard.PartialsLock) stored = shard.TakeStored();
            foreach (var (seq, kpis, measures) in stored)
            {
                if (Shared)
                {
                    if (seq > _positions.GetValueOrDefault(shard.Id)) _unseen.Add(new Written(shard.Id, seq, kpis, measures));
                    continue;
                }
                _kpis.AddAll(kpis);
                _measures.AddAll(measures);
                _positions[shard.Id] = seq;
            }
        }
    }

    /// <summary>
    /// Cluster: brings the totals to the store's, read in one snapshot with the checkpoint positions they include; a
    /// checkpoint of this silo that the read includes leaves the ones kept apart.
    /// </summary>
    public void Sync(IShardLeases leases)
    {
        lock (_syncLock)
        {
            var changes = leases.ReadTotalsChanges(_since);
            lock (Lock)
            {
                foreach (var (key, value) in changes.Kpis.Select(CellValues.KpiCell)) _kpis.Reset(key, value);
                foreach (var (key, value) in changes.Measures.Select(CellValues.MeasureCell)) _measures.Reset(key, value);
                foreach (var (shard, seq) in changes.Checkpoints) _positions[shard] = seq;
                _unseen.RemoveAll(w => w.Seq <= _positions.GetValueOrDefault(w.Shard));
                _since = changes.Next;
            }
        }
    }

    /// <summary>Checkpoints written here that the totals do not include yet (cluster), for the host to read the store again.</summary>
    public int UnseenCount
    {
        get { lock (Lock) return _unseen.Count; }
    }

    /// <summary>
    /// Visits the totals, the checkpoints kept apart, and each of <paramref name="live"/>'s changes since the totals'
    /// position of it, under the locks: the visits add up to every cell once. A live shard that the totals include past
    /// its own last checkpoint (another silo took it over and checkpointed) is left to the totals.
    /// </summary>
    public void Visit(IEnumerable<Shard> live, Action<KpiRollup, MeasureRollup> visit)
    {
        lock (Lock)
        {
            visit(_kpis, _measures);
            foreach (var written in _unseen)
                if (written.Seq > _positions.GetValueOrDefault(written.Shard)) visit(written.Kpis, written.Measures);
            foreach (var shard in live)
            {
                var included = _positions.GetValueOrDefault(shard.Id);
                lock (shard.PartialsLock)
                {
                    if (included > shard.CheckpointSeq) continue;
                    foreach (var (seq, kpis, measures) in shard.Stored)
                        if (seq > included) visit(kpis, measures);
                    visit(shard.Partials.Kpis, shard.Partials.Measures);
                }
            }
        }
    }
}
