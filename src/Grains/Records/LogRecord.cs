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
