using FsCheck;
using FsCheck.Xunit;
using Shinsa.Silo.Actors;

namespace Shinsa.Silo.Tests;

/// <summary>
/// A worklist reads the changes since each shard's last checkpoint, then the store, while the shard goes on changing
/// rows and checkpointing (<see cref="StoredRows"/>). Whatever happens in between, each row must come out as it was
/// at some moment from the reading of the changes to the reading of the store: never older, never lost.
/// </summary>
public class StoredRowsTests
{
    private sealed record Row(string Key, int Version, bool InScope);

    /// <summary>One shard as the host runs it: live rows, the changes since the last checkpoint, the store.</summary>
    private sealed class Shard
    {
        public readonly Dictionary<string, Row> Live = new();
        public readonly Dictionary<string, Row?> Changes = new();
        public readonly Dictionary<string, (long Seq, Row Row)> Stored = new();
        public long StoredThrough;
        public long Seq;

        public void Set(Row row) { Seq++; Live[row.Key] = row; Changes[row.Key] = row; }

        public void Remove(string key) { Seq++; Live.Remove(key); Changes[key] = null; }

        public void Checkpoint()
        {
            foreach (var (key, row) in Changes)
                if (row is null) Stored.Remove(key);
                else Stored[key] = (Seq, row);
            Changes.Clear();
            StoredThrough = Seq;
        }
    }

    [Fact]
    public void A_change_newer_than_the_stored_row_wins_and_a_row_a_later_checkpoint_stored_wins_over_the_change()
    {
        var changes = new Dictionary<string, (Row? Row, long StoredThrough)>
        {
            ["changed"] = (new Row("changed", 2, true), 10),   // stored at 10, changed since
            ["removed"] = (null, 10),                            // stored at 10, removed since
            ["moved"] = (new Row("moved", 2, false), 10),      // stored at 10 in scope, moved out since
            ["new"] = (new Row("new", 1, true), 10),           // not stored yet
            ["stale"] = (new Row("stale", 1, true), 10),       // a checkpoint at 12 stored a newer version meanwhile
        };
        (long, Row)[] stored =
        [
            (10, new Row("changed", 1, true)), (8, new Row("removed", 1, true)), (10, new Row("moved", 1, true)),
            (12, new Row("stale", 2, true)), (5, new Row("untouched", 1, true)),
        ];
        var rows = StoredRows.WithChanges(stored, changes, r => r.Key, r => r.InScope).OrderBy(r => r.Key, StringComparer.Ordinal);
        Assert.Equal([new Row("changed", 2, true), new Row("new", 1, true), new Row("stale", 2, true), new Row("untouched", 1, true)], rows);
    }

    [Property(MaxTest = 300)]
    public bool Every_row_read_is_as_it_was_between_reading_the_changes_and_reading_the_store(DoNotSize<int> anySeed)
    {
        var rng = new Random(anySeed.Item);
        var shard = new Shard();
        var version = 0;
        void Step()
        {
            var key = $"k{rng.Next(6)}";
            switch (rng.Next(5))
            {
                case 0: shard.Remove(key); break;
                case 1: shard.Checkpoint(); break;
                default: shard.Set(new Row(key, ++version, rng.Next(3) > 0)); break;
            }
        }
        for (var i = rng.Next(40); i > 0; i--) Step();

        // Reading the changes; the shard goes on (the history records each key's state after every step).
        var changes = shard.Changes.ToDictionary(c => c.Key, c => (c.Value, shard.StoredThrough));
        var history = new List<Dictionary<string, Row>> { new(shard.Live) };
        for (var i = rng.Next(20); i > 0; i--)
        {
            Step();
            history.Add(new(shard.Live));
        }
        var stored = shard.Stored.Values.Where(s => s.Row.InScope).Select(s => (s.Seq, s.Row)).ToList();

        var read = StoredRows.WithChanges(stored, changes, r => r.Key, r => r.InScope).ToDictionary(r => r.Key);
        foreach (var key in Enumerable.Range(0, 6).Select(k => $"k{k}"))
        {
            var seen = read.GetValueOrDefault(key);
            if (!history.Any(state => Equals(state.TryGetValue(key, out var r) && r.InScope ? r : null, seen))) return false;
        }
        return true;
    }
}
