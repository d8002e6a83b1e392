using System.Numerics;
using System.Runtime.InteropServices;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Rollups;

/// <summary>
/// Additive cells by key (a shard's changes since its last checkpoint, or the totals of every shard's checkpoints). A cell
/// back at zero is gone. Grains add and take back their contributions, so a shard's cells are a pure function of its
/// applied records.
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

    /// <summary>The number of cells (not zero).</summary>
    public int Count { get; private set; }

    public void Add(TKey key, TValue delta)
    {
        if (IsZero(delta)) return;
        var months = _partitions[PartitionOf(key)];
        ref var bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(months, MonthOf(key), out _);
        bucket ??= new MonthCells();
        ref var cell = ref CollectionsMarshal.GetValueRefOrAddDefault(bucket.Cells, key, out var existed);
        if (!existed)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(bucket.Billed, BilledOf(key), out _)++;
            Count++;
        }
        cell += delta;
        if (!IsZero(cell)) return;
        bucket.Cells.Remove(key);
        Forget(months, bucket, key);
    }

    /// <summary>
    /// Sets a cell to the value the store holds now (the totals another silo's checkpoints moved), whatever it held before.
    /// </summary>
    public void Reset(TKey key, TValue value)
    {
        var months = _partitions[PartitionOf(key)];
        if (months.TryGetValue(MonthOf(key), out var bucket) && bucket.Cells.Remove(key)) Forget(months, bucket, key);
        Add(key, value);
    }

    /// <summary>Adds every cell of <paramref name="other"/> (a shard's checkpointed changes into the totals).</summary>
    public void AddAll(CellRollup<TKey, TValue> other)
    {
        foreach (var months in other._partitions)
            foreach (var bucket in months.Values)
                foreach (var (key, value) in bucket.Cells) Add(key, value);
    }

    /// <summary>Every cell, read as enumerated (no change may happen meanwhile).</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> All()
    {
        foreach (var months in _partitions)
            foreach (var bucket in months.Values)
                foreach (var cell in bucket.Cells) yield return cell;
    }

    /// <summary>Drops a cell just removed from <paramref name="bucket"/> from its month's counts, and an empty month.</summary>
    private void Forget(Dictionary<YearMonth, MonthCells> months, MonthCells bucket, TKey key)
    {
        Count--;
        var billed = BilledOf(key);
        if (--CollectionsMarshal.GetValueRefOrNullRef(bucket.Billed, billed) == 0) bucket.Billed.Remove(billed);
        if (bucket.Cells.Count == 0) months.Remove(MonthOf(key));
    }

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

    /// <summary>Every cell, as a list.</summary>
    public IReadOnlyList<KeyValuePair<TKey, TValue>> Cells() => All().ToList();
}
