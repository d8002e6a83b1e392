namespace Shinsa.Grains.Households;

/// <summary>
/// An array kept in key order, grown and shrunk by one. A household holds a receipt, a finding or a few: a list or a
/// dictionary of one was one to three objects and up to 200 bytes more per resident household for the GC to walk.
/// </summary>
internal static class SortedArray
{
    /// <summary>Where <paramref name="key"/> is, or the complement of where it would go.</summary>
    public static int IndexOf<T, TKey>(T[] items, TKey key, Func<T, TKey> keyOf, IComparer<TKey> order)
    {
        int low = 0, high = items.Length - 1;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            var c = order.Compare(keyOf(items[middle]), key);
            if (c == 0) return middle;
            if (c < 0) low = middle + 1;
            else high = middle - 1;
        }
        return ~low;
    }

    public static void Insert<T>(ref T[] items, int at, T item)
    {
        var grown = new T[items.Length + 1];
        Array.Copy(items, grown, at);
        grown[at] = item;
        Array.Copy(items, at, grown, at + 1, items.Length - at);
        items = grown;
    }

    public static void RemoveAt<T>(ref T[] items, int at)
    {
        var shrunk = new T[items.Length - 1];
        Array.Copy(items, shrunk, at);
        Array.Copy(items, at + 1, shrunk, at, shrunk.Length - at);
        items = shrunk;
    }
}
