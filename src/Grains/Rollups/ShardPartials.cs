using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;

namespace Shinsa.Grains.Rollups;

/// <summary>
/// Everything one shard keeps besides its grains, snapshotted with the shard's log position: the KPI rollup, the
/// index of findings and of 高額療養費 results (the worklists read these without waking households), the durable
/// timers, the review clock and the rules in force. The findings are stored apart (only the changed ones at each
/// checkpoint, see <see cref="ChangedFindings"/>), and so are the KPI cells, the 高額療養費 rows and the timers, so the
/// snapshot does not grow with the worklist or the households. Grains add and take back their own entries, so the partials are
/// a pure function of the shard's applied records, and the prefecture view is the sum of the shards'.
/// </summary>
public sealed class ShardPartials
{
    public KpiRollup Kpis { get; init; } = new();
    /// <summary>Insured populations and the review's household-level counts: the denominators of the rates.</summary>
    public MeasureRollup Measures { get; init; } = new();
    public Dictionary<string, Finding> Findings { get; } = new(StringComparer.Ordinal);
    /// <summary>Ids of findings set since the last checkpoint: the findings it writes (the rest are stored already).</summary>
    public HashSet<string> ChangedFindings { get; } = new(StringComparer.Ordinal);

    /// <summary>Records a finding's new form in the index, for the worklist and the next checkpoint.</summary>
    public void SetFinding(Finding finding)
    {
        Findings[finding.Id] = finding;
        ChangedFindings.Add(finding.Id);
    }
    private readonly Dictionary<(string Card, YearMonth Month), HighCostRow> _highCost = new();
    private readonly SortedSet<(int Due, string Card)> _timers = new();

    /// <summary>The 高額療養費 index: a household's payable months.</summary>
    public IReadOnlyDictionary<(string Card, YearMonth Month), HighCostRow> HighCost => _highCost;
    /// <summary>Keys of 高額療養費 rows set or removed since the last checkpoint: the rows it writes or deletes.</summary>
    public HashSet<(string Card, YearMonth Month)> ChangedHighCost { get; } = new();

    public void SetHighCost(HighCostRow row)
    {
        _highCost[(row.Card.Key, row.Month)] = row;
        ChangedHighCost.Add((row.Card.Key, row.Month));
    }

    /// <summary>A row as a checkpoint stored it (not a change).</summary>
    public void RestoreHighCost(HighCostRow row) => _highCost[(row.Card.Key, row.Month)] = row;

    public void RemoveHighCost(string card, YearMonth month)
    {
        if (_highCost.Remove((card, month))) ChangedHighCost.Add((card, month));
    }

    /// <summary>Durable timers: (due review month, grain key), in due order. Fired when the clock reaches the month.</summary>
    public IReadOnlySet<(int Due, string Card)> Timers => _timers;
    /// <summary>Timers added or removed since the last checkpoint: the rows it writes or deletes.</summary>
    public HashSet<(int Due, string Card)> ChangedTimers { get; } = new();

    public void AddTimer(int due, string card)
    {
        if (_timers.Add((due, card))) ChangedTimers.Add((due, card));
    }

    /// <summary>A timer as a checkpoint stored it (not a change).</summary>
    public void RestoreTimer(int due, string card) => _timers.Add((due, card));

    public void RemoveTimer(int due, string card)
    {
        if (_timers.Remove((due, card))) ChangedTimers.Add((due, card));
    }

    /// <summary>Marks what a checkpoint wrote as stored.</summary>
    public void ClearChanged()
    {
        ChangedFindings.Clear();
        ChangedHighCost.Clear();
        ChangedTimers.Clear();
        Kpis.ClearChanged();
    }
    /// <summary>The review clock: the latest service month the federation has claims for (moved by ClockAdvanced records).</summary>
    public YearMonth AsOf { get; set; }
    /// <summary>The rule file in force (its text, so the snapshot holds exactly what was applied); null until the first RulesChanged.</summary>
    public string? RulesJson { get; set; }
}
