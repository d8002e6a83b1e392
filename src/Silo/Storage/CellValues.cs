using System.Buffers.Binary;
using Shinsa.Grains;
using Shinsa.Grains.Rollups;

namespace Shinsa.Silo.Storage;

/// <summary>
/// The values of an additive cell (<see cref="CellDelta"/>) as the stores keep them, and sums of cells by key. SQLite
/// keeps a cell's values as little-endian 64-bit integers in a blob, added by a function of the store's own; PostgreSQL
/// as a <c>bigint[]</c>. A cell with fewer values than another has zeros after its last.
/// </summary>
internal static class CellValues
{
    public static byte[] ToBytes(long[] values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        return bytes;
    }

    public static long[] FromBytes(byte[] bytes)
    {
        var values = new long[bytes.Length / sizeof(long)];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * sizeof(long)));
        return values;
    }

    /// <summary>Two cells' values added value by value (the SQLite function).</summary>
    public static byte[] Add(byte[] a, byte[] b)
    {
        var (longer, shorter) = a.Length >= b.Length ? (a, b) : (b, a);
        var sum = (byte[])longer.Clone();
        for (var i = 0; i + sizeof(long) <= shorter.Length; i += sizeof(long))
            BinaryPrimitives.WriteInt64LittleEndian(sum.AsSpan(i),
                BinaryPrimitives.ReadInt64LittleEndian(sum.AsSpan(i)) + BinaryPrimitives.ReadInt64LittleEndian(shorter.AsSpan(i)));
        return sum;
    }

    /// <summary>
    /// The cells summed by key and sorted by key bytes. A transaction adding to totals that others add to as well takes
    /// the rows' locks in this one order, so two of them never wait on each other in a circle.
    /// </summary>
    public static List<CellDelta> Merge(IEnumerable<CellDelta> cells)
    {
        var sums = new Dictionary<byte[], long[]>(KeyBytes.Instance);
        foreach (var cell in cells)
        {
            if (!sums.TryGetValue(cell.Key, out var sum))
            {
                sums[cell.Key] = (long[])cell.Values.Clone();
                continue;
            }
            if (sum.Length < cell.Values.Length) Array.Resize(ref sum, cell.Values.Length);
            for (var i = 0; i < cell.Values.Length; i++) sum[i] += cell.Values[i];
            sums[cell.Key] = sum;
        }
        var merged = sums.Select(s => new CellDelta(s.Key, s.Value)).ToList();
        merged.Sort((x, y) => x.Key.AsSpan().SequenceCompareTo(y.Key.AsSpan()));
        return merged;
    }

    /// <summary>
    /// The tables that kept each shard's cells before the totals (SQLite schema 5, PostgreSQL migration 10), the totals
    /// their rows move to, and how the rows sum over the shards: both stores move them the same way.
    /// </summary>
    public static IReadOnlyList<(string From, string To, Func<IEnumerable<byte[]>, List<CellDelta>> Sum)> PerShardTables { get; } =
        [("kpi_cells", "kpi_totals", SumKpiCells), ("measure_cells", "measure_totals", SumMeasureCells)];

    /// <summary>A KPI cell as the stores keep it (key bytes, values).</summary>
    public static CellDelta Of(KeyValuePair<KpiKey, KpiCounters> cell) => new(GrainCodec.EncodeKpiKey(cell.Key), cell.Value.ToValues());

    /// <summary>A measure cell as the stores keep it (key bytes, values).</summary>
    public static CellDelta Of(KeyValuePair<MeasureKey, MeasureValue> cell) => new(GrainCodec.EncodeMeasureKey(cell.Key), cell.Value.ToValues());

    public static KeyValuePair<KpiKey, KpiCounters> KpiCell(CellDelta cell) =>
        KeyValuePair.Create(GrainCodec.DecodeKpiKey(cell.Key), KpiCounters.FromValues(cell.Values));

    public static KeyValuePair<MeasureKey, MeasureValue> MeasureCell(CellDelta cell) =>
        KeyValuePair.Create(GrainCodec.DecodeMeasureKey(cell.Key), MeasureValue.FromValues(cell.Values));

    /// <summary>KPI cells as schema 5 stored them per shard (<see cref="GrainCodec.EncodeKpiCell"/>), summed over the shards.</summary>
    public static List<CellDelta> SumKpiCells(IEnumerable<byte[]> bodies) => Merge(bodies.Select(GrainCodec.DecodeKpiCell).Select(Of));

    /// <summary>Measure cells as schema 5 stored them per shard (<see cref="GrainCodec.EncodeMeasureCell"/>), summed over the shards.</summary>
    public static List<CellDelta> SumMeasureCells(IEnumerable<byte[]> bodies) => Merge(bodies.Select(GrainCodec.DecodeMeasureCell).Select(Of));

    private sealed class KeyBytes : IEqualityComparer<byte[]>
    {
        public static readonly KeyBytes Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] key)
        {
            var hash = new HashCode();
            hash.AddBytes(key);
            return hash.ToHashCode();
        }
    }
}
