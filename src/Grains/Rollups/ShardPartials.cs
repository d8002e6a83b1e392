using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;

namespace Shinsa.Grains.Rollups;

/// <summary>
/// Everything one shard keeps besides its grains, snapshotted with the shard's log position: the review clock and the
/// rules in force; and what changed since the last checkpoint: KPI and measure cells, findings, 高額療養費 rows and durable
/// timers. All of those grow with the history, so the store holds them: the checkpoint adds the cells' changes to the
/// stored totals (every shard's, summed) and writes the rows, and a query reads the store with these changes over it;
/// the catalogue counts findings through the measures (<see cref="Review.ReviewTotals"/>). Memory then holds what changed
/// in one checkpoint interval, not the history. Grains add and take back their own entries, so the changes are a pure
/// function of the shard's records applied since its checkpoint.
/// </summary>
public sealed class ShardPartials
{
    private KpiRollup _kpis = new();
    private MeasureRollup _measures = new();

    /// <summary>The KPI cells' changes since the last checkpoint.</summary>
    public KpiRollup Kpis { get => _kpis; init => _kpis = value; }

    /// <summary>The measure cells' changes since the last checkpoint (insured populations, the review's household-level
    /// counts and the findings' totals: the catalogue's cells).</summary>
    public MeasureRollup Measures { get => _measures; init => _measures = value; }

    private readonly Dictionary<string, Finding> _findings = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Card, YearMonth Month), HighCostRow?> _highCost = new();
    private readonly Dictionary<(int Due, string Card), bool> _timers = new();

    /// <summary>Findings set since the last checkpoint, by id, in their latest form: what it writes.</summary>
    public IReadOnlyDictionary<string, Finding> ChangedFindings => _findings;

    /// <summary>高額療養費 rows set (the row) or removed (null) since the last checkpoint, by household and month.</summary>
    public IReadOnlyDictionary<(string Card, YearMonth Month), HighCostRow?> ChangedHighCost => _highCost;

    /// <summary>Durable timers (due review month, grain key) set (true) or removed (false) since the last checkpoint.</summary>
    public IReadOnlyDictionary<(int Due, string Card), bool> ChangedTimers => _timers;

    public void SetFinding(Finding finding) => _findings[finding.Id] = finding;

    public void SetHighCost(HighCostRow row) => _highCost[(row.Card.Key, row.Month)] = row;

    /// <summary>Removes a row whether or not the store has it: the checkpoint's delete of an absent row is a no-op.</summary>
    public void RemoveHighCost(string card, YearMonth month) => _highCost[(card, month)] = null;

    public void AddTimer(int due, string card) => _timers[(due, card)] = true;

    public void RemoveTimer(int due, string card) => _timers[(due, card)] = false;

    public bool HasChanges => _findings.Count > 0 || _highCost.Count > 0 || _timers.Count > 0 || Kpis.Count > 0 || Measures.Count > 0;

    /// <summary>
    /// The log position of the checkpoint the changes are counted from: a stored row that a later checkpoint wrote is
    /// newer than any change here, one written by this checkpoint or before is older (how a query merges the two).
    /// </summary>
    public long StoredThrough { get; set; }

    /// <summary>
    /// Marks what the checkpoint at <paramref name="appliedSeq"/> wrote as stored: the changes leave memory, and the cells'
    /// changes are handed back (the host adds them to the totals it keeps of the store's).
    /// </summary>
    public (KpiRollup Kpis, MeasureRollup Measures) MarkStored(long appliedSeq)
    {
        _findings.Clear();
        _highCost.Clear();
        _timers.Clear();
        var stored = (_kpis, _measures);
        _kpis = new();
        _measures = new();
        StoredThrough = appliedSeq;
        return stored;
    }

    /// <summary>
    /// Decoded from a checkpoint written before the findings' totals were measures and the stored rows had query
    /// columns: the host brings it up to date from the stored rows (<see cref="Review.ReviewTotals"/>).
    /// </summary>
    public bool StoredBeforeTotals { get; set; }

    /// <summary>The review clock: the latest service month the federation has claims for (moved by ClockAdvanced records).</summary>
    public YearMonth AsOf { get; set; }
    /// <summary>The rule file in force (its text, so the snapshot holds exactly what was applied); null until the first RulesChanged.</summary>
    public string? RulesJson { get; set; }
    /// <summary>The log position of the RulesChanged that set <see cref="RulesJson"/> (0: none), so a rule file put back
    /// after another is told from its first time.</summary>
    public long RulesSeq { get; set; }
}
