namespace Shinsa.Silo.Api;

/// <summary>
/// One page of a sequence in a given order, read once and keeping no more than the page's end: a worklist's scope can
/// hold tens of thousands of findings, and sorting them all to answer one page held every one in memory.
/// </summary>
internal static class Paging
{
    /// <summary>The items at ranks <paramref name="skip"/> … <paramref name="skip"/> + <paramref name="take"/> − 1 of <paramref name="order"/>, and how many items there were.</summary>
    public static (int Total, List<T> Items) Page<T>(IEnumerable<T> items, IComparer<T> order, long skip, int take)
    {
        var keep = skip + take;
        // The best `keep` items so far, the worst of them first out.
        var best = new PriorityQueue<T, T>(Comparer<T>.Create((a, b) => order.Compare(b, a)));
        var total = 0;
        foreach (var item in items)
        {
            total++;
            if (best.Count < keep) best.Enqueue(item, item);
            else if (keep > 0 && order.Compare(item, best.Peek()) < 0) best.EnqueueDequeue(item, item);
        }
        var kept = new List<T>(best.Count);
        while (best.TryDequeue(out var item, out _)) kept.Add(item);
        kept.Reverse();
        return (total, kept.Skip((int)Math.Min(skip, kept.Count)).Take(take).ToList());
    }
}
