namespace Shinsa.Silo.Actors;

/// <summary>
/// How a query reads rows that live in the store (findings, 高額療養費 rows) while their shards keep changing them: the
/// changes since each shard's last checkpoint are read first, each with the position of the checkpoint it counts from;
/// then the stored rows of the scope. A stored row that a later checkpoint wrote is newer than the change (the row
/// wins); otherwise the change is (and a row it removed or moved out of the scope is left out). Every row is then at
/// least as new as the moment the changes were read, without holding the shards still while the store answers.
/// </summary>
internal static class StoredRows
{
    /// <summary>The rows, as the stored ones are enumerated (a row's key is one row's: one shard stores it).</summary>
    public static IEnumerable<T> WithChanges<TKey, T>(IEnumerable<(long CheckpointSeq, T Row)> stored,
        Dictionary<TKey, (T? Row, long StoredThrough)> changes, Func<T, TKey> keyOf, Func<T, bool> inScope)
        where TKey : notnull where T : class
    {
        var superseded = new HashSet<TKey>();
        foreach (var (seq, row) in stored)
        {
            var key = keyOf(row);
            if (changes.TryGetValue(key, out var change))
            {
                if (seq <= change.StoredThrough) continue;
                superseded.Add(key);
            }
            yield return row;
        }
        foreach (var (key, change) in changes)
            if (!superseded.Contains(key) && change.Row is { } row && inScope(row)) yield return row;
    }
}
