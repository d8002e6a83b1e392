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
    string Detail)
{
    /// <summary>
    /// The finding's 請求年月: its receipts' latest (a finding is news when the last of its claims is billed), or the
    /// month after its service month when it names no receipt. The worklist orders by it and the billing-month KPIs count by it.
    /// </summary>
    public YearMonth BillingMonth
    {
        get
        {
            if (Receipts.IsDefaultOrEmpty) return ServiceMonth.AddMonths(1);
            var latest = Receipts[0].BillingMonth;
            foreach (var r in Receipts)
                if (r.BillingMonth > latest) latest = r.BillingMonth;
            return latest;
        }
    }

    // ImmutableArray compares by reference; two findings with the same receipts are the same finding.
    public bool Equals(Finding? other) =>
        other is not null && Id == other.Id && CheckId == other.CheckId && RuleVersion == other.RuleVersion && Card == other.Card
        && PersonKey == other.PersonKey && ProviderCode == other.ProviderCode && ServiceMonth == other.ServiceMonth
        && Receipts.SequenceEqual(other.Receipts) && YenAtStake == other.YenAtStake && State == other.State && Detail == other.Detail;

    public override int GetHashCode() => HashCode.Combine(Id, State, YenAtStake);
}
