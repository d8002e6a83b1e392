namespace Shinsa.Client.Generation;

/// <summary>
/// SplitMix64: a small PRNG whose sequence is fixed by its algorithm (System.Random's seeded sequence is not promised
/// across .NET versions), so a seed gives byte-identical output on any machine and runtime.
/// </summary>
public sealed class Rng(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>0 ≤ n &lt; max.</summary>
    public int Next(int max) => (int)(NextUInt64() % (ulong)max);

    public int Between(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Picks by weight; weights need not sum to 1.</summary>
    public T Weighted<T>(IReadOnlyList<(T Item, double Weight)> items)
    {
        var total = items.Sum(i => i.Weight);
        var x = NextDouble() * total;
        foreach (var (item, weight) in items)
        {
            if (x < weight) return item;
            x -= weight;
        }
        return items[^1].Item;
    }

    /// <summary>A generator of its own for one part of the output, so adding draws in one part does not shift another.</summary>
    public Rng Fork(ulong salt) => new(seedFor(salt));

    private ulong seedFor(ulong salt) => new Rng(_state ^ (salt * 0xD1B54A32D192ED03UL)).NextUInt64();
}
