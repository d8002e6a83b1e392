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

/// <summary>The part of the silo's host status a benchmark reads: the process's CPU seconds so far and its processors.</summary>
public sealed record HostCpu(double CpuSeconds, int Processors, long AllocatedBytes, double GcPauseSeconds);

public sealed record FindingItem(string Id, string CheckId, int RuleVersion, string InsurerNo, string CardSymbol, string CardNumber, string Person,
    string ProviderCode, string ServiceMonth, IReadOnlyList<string> Receipts, long YenAtStake, string State, string Detail)
{
    /// <summary>The household card as <c>insurer:記号:番号</c> (labels.jsonl's <c>card</c>).</summary>
    public string Card => $"{InsurerNo}:{CardSymbol}:{CardNumber}";
}

public sealed record FindingPage(int Total, int Page, int PageSize, IReadOnlyList<FindingItem> Items);
