using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Csv;

/// <summary>Review decisions (POST /api/v1/decisions): 査定 cuts points, 返戻 returns the receipt, 原審 and 復活 let it stand.</summary>
public static class DecisionCsv
{
    public static readonly string[] Columns = ["provider_code", "billing_month", "receipt_no", "decision", "points_cut"];

    private static readonly Dictionary<string, DecisionKind> Decisions = new()
    {
        ["査定"] = DecisionKind.Assessed, ["返戻"] = DecisionKind.Returned, ["原審"] = DecisionKind.Upheld, ["復活"] = DecisionKind.Restored,
    };
    public static string Name(DecisionKind kind) => Decisions.First(d => d.Value == kind).Key;

    public static CsvParseResult<ReviewDecision> Parse(byte[] bytes, string fileName) => CsvContract.Parse(bytes, fileName, Columns, row =>
    {
        var key = new ReceiptKey(row.Digits("provider_code", 7), row.Month("billing_month"), row.Int("receipt_no", 1));
        var decision = row.OneOf("decision", Decisions);
        var cut = row.Int("points_cut");
        // A 査定 without a cut, or a cut on anything but a 査定, is a contradiction worth refusing rather than guessing.
        if (decision == DecisionKind.Assessed && cut == 0) throw row.Fail("points_cut", "is 0 on a 査定 (a 査定 cuts points)");
        if (decision != DecisionKind.Assessed && cut != 0) throw row.Fail("points_cut", $"must be 0 on a {row.Text("decision")}");
        return new ReviewDecision(key, decision, cut, row.Line);
    });

    public static byte[] Write(IEnumerable<ReviewDecision> decisions) => CsvContract.Write(Columns, decisions, d =>
        [d.Receipt.ProviderCode, d.Receipt.BillingMonth.ToString(), d.Receipt.ReceiptNo.ToString(), Name(d.Decision), d.PointsCut.ToString()]);
}
