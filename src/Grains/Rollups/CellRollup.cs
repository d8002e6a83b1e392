using System.Numerics;

namespace Shinsa.Grains.Rollups;

/// <summary>
/// Additive cells by key that remember which changed since the last checkpoint: it writes only those (a shard has a
/// cell per month, insurer, provider — and check, for the measures — it has seen, and writing them all at every
/// checkpoint grew with the shard's history). A cell back at zero is gone. Grains add and take back their contributions,
/// so the cells are a pure function of the shard's applied records.
/// </summary>
public abstract class CellRollup<TKey, TValue>
    where TKey : notnull
    where TValue : struct, IEquatable<TValue>, IAdditionOperators<TValue, TValue, TValue>
{
    // The cells by partition (one unless a subclass says otherwise): a sum over one partition walks only its cells.
    private readonly Dictionary<TKey, TValue>[] _cells;
    private readonly HashSet<TKey> _changed = new();

    protected CellRollup(int partitions = 1) =>
        _cells = Enumerable.Range(0, partitions).Select(_ => new Dictionary<TKey, TValue>()).ToArray();

    /// <summary>The partition a cell is kept in (0 … partitions − 1).</summary>
    protected virtual int PartitionOf(TKey key) => 0;

    private static bool IsZero(TValue value) => value.Equals(default);

    public void Add(TKey key, TValue delta)
    {
        if (IsZero(delta)) return;
        _changed.Add(key);
        AddUnchanged(key, delta);
    }

    /// <summary>Adds a cell as the store already holds it (recovery), so the next checkpoint does not write it again.</summary>
    public void Restore(TKey key, TValue value) => AddUnchanged(key, value);

    private void AddUnchanged(TKey key, TValue delta)
    {
        if (IsZero(delta)) return;
        var cells = _cells[PartitionOf(key)];
        ref var cell = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(cells, key, out _);
        cell += delta;
        if (IsZero(cell)) cells.Remove(key);
    }

    /// <summary>
    /// The cells changed since <see cref="ClearChanged"/>, with their value now (zero: the cell is gone). Read as they
    /// are enumerated: a checkpoint has thousands, and a list of them (a KPI cell's counters are 144 bytes) was a
    /// large-object array at every checkpoint of every shard, each of which brought a full collection closer.
    /// </summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> ChangedCells()
    {
        foreach (var key in _changed) yield return KeyValuePair.Create(key, _cells[PartitionOf(key)].GetValueOrDefault(key));
    }

    public int ChangedCount => _changed.Count;

    public void ClearChanged() => _changed.Clear();

    /// <summary>The cells of one partition, for sums over a filter.</summary>
    protected Dictionary<TKey, TValue> CellsIn(int partition) => _cells[partition];

    public IReadOnlyList<KeyValuePair<TKey, TValue>> Cells() => _cells.SelectMany(c => c).ToList();
}
