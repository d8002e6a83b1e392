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
