using System.Collections.Immutable;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Findings;

/// <summary>
/// TOTAL 点数不一致: the declared total (HO 合計点数, KO when there is no HO) differs from Σ 点数×回数 over the
/// receipt's SI/IY/TO lines. The yen at stake is the difference × 10 yen.
/// </summary>
public static class TotalCheck
{
    public const string CheckId = "TOTAL";
    public const int RuleVersion = 1;

    public static string FindingId(ReceiptKey key) => $"{CheckId}:{key}";

    public static Finding? Evaluate(Receipt receipt)
    {
        var difference = receipt.DeclaredPoints - receipt.ComputedPoints;
        if (difference == 0) return null;
        return new Finding(
            Id: FindingId(receipt.Key),
            CheckId: CheckId,
            RuleVersion: RuleVersion,
            Card: receipt.Card,
            PersonKey: receipt.PersonKey,
            ProviderCode: receipt.Key.ProviderCode,
            ServiceMonth: receipt.ServiceMonth,
            Receipts: [receipt.Key],
            YenAtStake: Math.Abs(difference) * 10,
            State: FindingState.Open,
            Detail: $"declared {receipt.DeclaredPoints} points, lines sum to {receipt.ComputedPoints}");
    }
}
