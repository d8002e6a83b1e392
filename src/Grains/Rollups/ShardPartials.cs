using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;

namespace Shinsa.Grains.Rollups;

/// <summary>
/// Everything one shard keeps besides its grains, snapshotted with the shard's log position: the KPI rollup, the
/// index of findings and of 高額療養費 results (the worklists read these without waking households), the durable
/// timers, the review clock and the rules in force. The findings are stored apart (only the changed ones at each
/// checkpoint, see <see cref="ChangedFindings"/>), so the snapshot does not grow with the worklist. Grains add and take back their own entries, so the partials are
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
    public Dictionary<(string Card, YearMonth Month), HighCostRow> HighCost { get; } = new();
    /// <summary>Durable timers: (due review month, grain key). Fired when the clock reaches the month.</summary>
    public SortedSet<(int Due, string Card)> Timers { get; } = new();
    /// <summary>The review clock: the latest service month the federation has claims for (moved by ClockAdvanced records).</summary>
    public YearMonth AsOf { get; set; }
    /// <summary>The rule file in force (its text, so the snapshot holds exactly what was applied); null until the first RulesChanged.</summary>
    public string? RulesJson { get; set; }
}
