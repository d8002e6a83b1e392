using System.Numerics;
using System.Runtime.InteropServices;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Rollups;

/// <summary>
/// Additive cells by key that remember which changed since the last checkpoint: it writes only those (a shard has a
/// cell per month, insurer, provider — and check, for the measures — it has seen, and writing them all at every
/// checkpoint grew with the shard's history). A cell back at zero is gone. Grains add and take back their contributions,
/// so the cells are a pure function of the shard's applied records.
/// </summary>
/// <remarks>
/// The cells are kept by partition, then by month (<see cref="MonthOf"/>), and each month knows the billing months
/// (<see cref="BilledOf"/>) of its cells: the KPI board sums one month ten times a second per viewer, and a walk of every
/// month's cells grew with the history kept (a prefecture's cells are about 4,000 providers × their insurers per month).
/// </remarks>
public abstract class CellRollup<TKey, TValue>
    where TKey : notnull
    where TValue : struct, IEquatable<TValue>, IAdditionOperators<TValue, TValue, TValue>
{
    private readonly Dictionary<YearMonth, MonthCells>[] _partitions;
    private readonly HashSet<TKey> _changed = new();

    /// <summary>One month's cells, with how many of them each billing month has.</summary>
    private sealed class MonthCells
    {
        public readonly Dictionary<TKey, TValue> Cells = new();
        public readonly Dictionary<YearMonth, int> Billed = new();
    }

    protected CellRollup(int partitions = 1) =>
        _partitions = Enumerable.Range(0, partitions).Select(_ => new Dictionary<YearMonth, MonthCells>()).ToArray();

    /// <summary>The partition a cell is kept in (0 … partitions − 1).</summary>
    protected virtual int PartitionOf(TKey key) => 0;

    /// <summary>The month a cell is kept under (<see cref="Months.From"/> … <see cref="Months.To"/> select it).</summary>
    protected abstract YearMonth MonthOf(TKey key);

    /// <summary>The cell's 請求年月 (<see cref="Months.Billed"/> selects by it); default when the cell has none.</summary>
    protected virtual YearMonth BilledOf(TKey key) => default;

    private static bool IsZero(TValue value) => value.Equals(default);

    public void Add(TKey key, TValue delta)
    {
        if (IsZero(delta)) return;
        _changed.Add(key);
        AddUnchanged(key, delta);
    }

    /// <summary>Adds a cell as the store already holds it (recovery), so the next checkpoint does not write it again.</summary>
    public void Restore(TKey key, TValue value) => AddUnchanged(key, value);

    /// <summary>
    /// Sets a cell to the value the store holds now (a newer checkpoint of a shard another silo serves), whatever it held
    /// before; not a change of this rollup.
    /// </summary>
    public void Reset(TKey key, TValue value)
    {
        var months = _partitions[PartitionOf(key)];
        if (months.TryGetValue(MonthOf(key), out var bucket) && bucket.Cells.Remove(key)) Forget(months, bucket, key);
        AddUnchanged(key, value);
    }

    private void AddUnchanged(TKey key, TValue delta)
    {
        if (IsZero(delta)) return;
        var months = _partitions[PartitionOf(key)];
        ref var bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(months, MonthOf(key), out _);
        bucket ??= new MonthCells();
        ref var cell = ref CollectionsMarshal.GetValueRefOrAddDefault(bucket.Cells, key, out var existed);
        if (!existed) CollectionsMarshal.GetValueRefOrAddDefault(bucket.Billed, BilledOf(key), out _)++;
        cell += delta;
        if (!IsZero(cell)) return;
        bucket.Cells.Remove(key);
        Forget(months, bucket, key);
    }

    /// <summary>Drops a cell just removed from <paramref name="bucket"/> from its month's counts, and an empty month.</summary>
    private void Forget(Dictionary<YearMonth, MonthCells> months, MonthCells bucket, TKey key)
    {
        var billed = BilledOf(key);
        if (--CollectionsMarshal.GetValueRefOrNullRef(bucket.Billed, billed) == 0) bucket.Billed.Remove(billed);
        if (bucket.Cells.Count == 0) months.Remove(MonthOf(key));
    }

    private TValue ValueOf(TKey key) =>
        _partitions[PartitionOf(key)].TryGetValue(MonthOf(key), out var bucket) ? bucket.Cells.GetValueOrDefault(key) : default;

    /// <summary>
    /// The cells changed since <see cref="ClearChanged"/>, with their value now (zero: the cell is gone). Read as they
    /// are enumerated: a checkpoint has thousands, and a list of them (a KPI cell's counters are 144 bytes) was a
    /// large-object array at every checkpoint of every shard, each of which brought a full collection closer.
    /// </summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> ChangedCells()
    {
        foreach (var key in _changed) yield return KeyValuePair.Create(key, ValueOf(key));
    }

    public int ChangedCount => _changed.Count;

    public void ClearChanged() => _changed.Clear();

    /// <summary>
    /// The months of one partition that hold cells in <paramref name="months"/>. By billing month, a month's cells
    /// billed in other months are among them: <see cref="InMonths"/> tells them apart.
    /// </summary>
    private IEnumerable<Dictionary<TKey, TValue>> CellsIn(int partition, Months months)
    {
        foreach (var (month, bucket) in _partitions[partition])
            if (months.Billed ? AnyBilledIn(bucket, months) : months.Contains(month))
                yield return bucket.Cells;
    }

    /// <summary>The sum of one partition's cells in <paramref name="months"/> that match <paramref name="filter"/>.</summary>
    protected TValue Sum(int partition, Months months, Func<TKey, bool> filter)
    {
        var total = default(TValue);
        foreach (var cells in CellsIn(partition, months))
            foreach (var (key, value) in cells)
                if (InMonths(key, months) && filter(key)) total += value;
        return total;
    }

    /// <summary>Adds one partition's cells in <paramref name="months"/> that match <paramref name="filter"/> into <paramref name="totals"/>, by <paramref name="groupOf"/>.</summary>
    protected void SumInto<TGroup>(int partition, Months months, Func<TKey, bool> filter, Func<TKey, TGroup> groupOf, Dictionary<TGroup, TValue> totals)
        where TGroup : notnull
    {
        foreach (var cells in CellsIn(partition, months))
            foreach (var (key, value) in cells)
                if (InMonths(key, months) && filter(key)) CollectionsMarshal.GetValueRefOrAddDefault(totals, groupOf(key), out _) += value;
    }

    private bool InMonths(TKey key, Months months) => !months.Billed || months.Contains(BilledOf(key));

    private static bool AnyBilledIn(MonthCells bucket, Months months)
    {
        if (months.From == months.To) return bucket.Billed.ContainsKey(months.From);
        foreach (var billed in bucket.Billed.Keys)
            if (months.Contains(billed)) return true;
        return false;
    }

    public IReadOnlyList<KeyValuePair<TKey, TValue>> Cells() => _partitions.SelectMany(p => p.Values).SelectMany(b => b.Cells).ToList();
}
