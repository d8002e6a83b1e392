using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Uke;

/// <summary>
/// Everything a claim file gave: the accepted receipts, one error per rejected receipt (plus file-level ones), and
/// warnings. <c>Accepted + Rejected == Submitted</c> always. A file that is not a claim file at all has
/// <see cref="IsFileRejected"/> set and no receipts.
/// </summary>
public sealed record UkeParseResult(
    string FileName,
    ClaimKind Kind,
    string ProviderCode,
    string PrefectureCode,
    YearMonth BillingMonth,
    IReadOnlyList<Receipt> Receipts,
    IReadOnlyList<IngestError> Errors,
    IReadOnlyList<string> Warnings,
    int Submitted,
    string? FileRejectionReason = null)
{
    public bool IsFileRejected => FileRejectionReason is not null;
    public int Accepted => Receipts.Count;
    public int Rejected => Submitted - Accepted;
    public long Points => Receipts.Sum(r => (long)r.DeclaredPoints);

    public static UkeParseResult FileRejected(string fileName, string reason) =>
        new(fileName, ClaimKind.Medical, "", "", default, [], [new IngestError(fileName, 0, reason)], [], 0, reason);
}
