namespace Shinsa.Grains.Records;

/// <summary>
/// What the input log carries to a household grain. Every change of grain state comes from one of these,
/// applied in log order, so a replay of the log reproduces the state exactly (ARCHITECTURE.md invariant 5).
/// </summary>
public abstract record LogRecord
{
    /// <summary>The household card the record belongs to: the grain id and the shard key.</summary>
    public abstract HouseholdCard Card { get; }
}

/// <summary>A receipt from a claim file. Arriving again under the same <see cref="ReceiptKey"/> replaces the earlier one.</summary>
public sealed record ReceiptArrived(Receipt Receipt) : LogRecord
{
    public override HouseholdCard Card => Receipt.Card;
}

/// <summary>A row of the eligibility feed (資格).</summary>
public sealed record EligibilityArrived(EligibilityEvent Event) : LogRecord
{
    public override HouseholdCard Card => Event.Card;
}

/// <summary>特定健診 results (CHK-VISIT, 特定健診受診率).</summary>
public sealed record CheckupArrived(Checkup Checkup) : LogRecord
{
    public override HouseholdCard Card => Checkup.Card;
}

/// <summary>A 傷病届 (closes THIRD candidates).</summary>
public sealed record ThirdPartyReportArrived(ThirdPartyReport Report) : LogRecord
{
    public override HouseholdCard Card => Report.Card;
}

/// <summary>A 柔道整復 claim. Arriving again under the same provider, billing month and claim number replaces the earlier one.</summary>
public sealed record JudoClaimArrived(JudoClaim Claim) : LogRecord
{
    public override HouseholdCard Card => Claim.Card;
}
