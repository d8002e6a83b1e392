namespace Shinsa.Grains.Records;

/// <summary>The outcome of reviewing a receipt.</summary>
public enum DecisionKind : byte
{
    Assessed = 1,   // 査定: points cut
    Returned = 2,   // 返戻: sent back to the provider, removed until resubmitted
    Upheld = 3,     // 原審: the receipt stands as billed
    Restored = 4,   // 復活: an earlier cut is undone on re-review
}

/// <summary>A review decision on one receipt, named by its key.</summary>
public sealed record ReviewDecision(ReceiptKey Receipt, DecisionKind Decision, int PointsCut, int SourceLine);

/// <summary>
/// The decisions on one receipt, combined as a set so their arrival order does not matter: 返戻 takes the receipt out;
/// otherwise the 査定 cuts add up, unless a 復活 restored the receipt (then nothing is cut). A decision delivered twice
/// counts once.
/// </summary>
public sealed class ReceiptDecisions
{
    public static readonly ReceiptDecisions None = new();
    private readonly SortedSet<(DecisionKind Kind, int Cut)> _set = new();

    public IEnumerable<(DecisionKind Kind, int Cut)> All => _set;
    public bool Add(ReviewDecision d) => _set.Add((d.Decision, d.PointsCut));
    // Almost every receipt has no decision: answer that without enumerating (a SortedSet enumerator allocates a stack).
    public bool Returned => _set.Count > 0 && _set.Any(d => d.Kind == DecisionKind.Returned);
    public int PointsCut => _set.Count == 0 || _set.Any(d => d.Kind == DecisionKind.Restored) ? 0 : _set.Where(d => d.Kind == DecisionKind.Assessed).Sum(d => d.Cut);
}
