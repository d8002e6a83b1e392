using System.Collections.Immutable;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Findings;

public enum FindingState : byte { Open = 1, Resolved = 2, Withdrawn = 3 }

/// <summary>
/// A review finding (点検結果): which check found it under which rule version, whose claims, and the yen at stake.
/// Its <see cref="Id"/> is derived from the check and the receipts involved, so re-evaluating a check after a
/// replay or a late record produces the same id instead of a second finding.
/// </summary>
public sealed record Finding(
    string Id,
    string CheckId,
    int RuleVersion,
    HouseholdCard Card,
    string PersonKey,
    string ProviderCode,
    YearMonth ServiceMonth,
    ImmutableArray<ReceiptKey> Receipts,
    long YenAtStake,
    FindingState State,
    string Detail);
