using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Shinsa.Grains.Findings;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Review;

/// <summary>
/// Collects what one evaluation of a household found, and the review months at which the answer could change with no
/// new record (durable timers: CHK-VISIT and DM-DROP wait for months to pass), and the counts behind the review's rates.
/// A due month is the month the finding it waits for would be in.
/// </summary>
public sealed class FindingSink(HouseholdCard card, int ruleVersion)
{
    // Every receipt's arrival reviews its household, and most households have no findings, timers or measures: the
    // collections are made on first use.
    private static readonly Dictionary<string, Finding> NoFindings = new();
    private static readonly SortedSet<YearMonth> NoDues = new();
    private static readonly HouseholdMeasures NoMeasures = new();
    private Dictionary<string, Finding>? _found;
    private SortedSet<YearMonth>? _dues;
    private HouseholdMeasures? _measures;

    public IReadOnlyDictionary<string, Finding> Found => _found ?? NoFindings;
    /// <summary>The months at which a finding may appear once the review clock reaches them (the timers to set).</summary>
    public IReadOnlySet<YearMonth> Dues => _dues ?? NoDues;

    /// <summary>Adds a finding; its id is the check, the person and <paramref name="subject"/>, so re-evaluating finds the same id.</summary>
    public void Add(string checkId, string subject, string person, string provider, YearMonth month, IEnumerable<ReceiptKey> receipts,
        long yenAtStake, string detail)
    {
        var id = $"{checkId}:{card.Key}:{person}:{subject}";
        (_found ??= new(StringComparer.Ordinal))[id] = new Finding(id, checkId, ruleVersion, card, person, provider, month,
            InOrder(receipts), yenAtStake, FindingState.Open, detail);
    }

    /// <summary>The keys sorted and without repeats. Every review makes its findings again (most are equal to the ones
    /// the household has), so this sorts one array in place rather than going through a set and an ordered sequence.</summary>
    private static ImmutableArray<ReceiptKey> InOrder(IEnumerable<ReceiptKey> receipts)
    {
        var keys = receipts.ToArray();
        if (keys.Length < 2) return ImmutableCollectionsMarshal.AsImmutableArray(keys);
        Array.Sort(keys, ReceiptKeyOrder.Instance);
        var kept = 1;
        for (var i = 1; i < keys.Length; i++)
            if (keys[i] != keys[kept - 1]) keys[kept++] = keys[i];
        return ImmutableCollectionsMarshal.AsImmutableArray(kept == keys.Length ? keys : keys[..kept]);
    }

    public void DueAt(YearMonth month) => (_dues ??= new()).Add(month);

    /// <summary>The household's share of the review's rates (第三者行為 届出率, 重症化予防 受診率), by month and provider.</summary>
    public IReadOnlyDictionary<(Measure Measure, string Provider, YearMonth Month), long> Measures => _measures ?? NoMeasures;

    /// <summary>Counts one toward a measure of <paramref name="month"/>: like a finding, a function of the records only.</summary>
    public void Count(Measure measure, string provider, YearMonth month) => (_measures ??= new()).Add(measure, provider, month);
}

/// <summary>Receipt keys in provider, billing month, number order: the order findings list their receipts in.</summary>
public sealed class ReceiptKeyOrder : IComparer<ReceiptKey>
{
    public static readonly ReceiptKeyOrder Instance = new();

    public int Compare(ReceiptKey x, ReceiptKey y)
    {
        var c = string.CompareOrdinal(x.ProviderCode, y.ProviderCode);
        if (c == 0) c = x.BillingMonth.CompareTo(y.BillingMonth);
        return c != 0 ? c : x.ReceiptNo.CompareTo(y.ReceiptNo);
    }
}
