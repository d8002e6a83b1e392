namespace Shinsa.Client.Api;

// The silo's JSON contract (snake_case on the wire), as the client reads it.

public sealed record SubmissionAccepted(string Id);

public sealed record Counts(int Submitted, int Accepted, int Rejected);

public sealed record LineError(int Line, string Reason);

public sealed record SubmissionStatus(string Id, string Status, Counts Receipts, long Points, IReadOnlyList<string> Warnings, IReadOnlyList<LineError> Errors)
{
    public bool IsApplied => Status == "applied";
}

public sealed record RowsAccepted(string Id, Counts Rows, IReadOnlyList<LineError> Errors);

public sealed record KpiSummary(long Receipts, long Days, long Points, long CostYen);
