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

    /// <summary>
    /// The receipt in the form a grain holds it (<see cref="GrainCodec.EncodeReceipt"/>), when the decoder could take it
    /// from the log's own bytes; null otherwise. Saves the grain encoding again what it was just decoded from. Not part
    /// of the record's value: two arrivals of the same receipt are equal whether or not they carry it.
    /// </summary>
    public byte[]? Held { get; init; }

    public bool Equals(ReceiptArrived? other) => other is not null && Receipt == other.Receipt;

    public override int GetHashCode() => Receipt.GetHashCode();
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

/// <summary>取下げ: the provider withdraws a receipt; every contribution it made leaves (KPIs, findings, 高額療養費).</summary>
public sealed record ReceiptWithdrawn(HouseholdCard ReceiptCard, ReceiptKey Key) : LogRecord
{
    public override HouseholdCard Card => ReceiptCard;
}

/// <summary>A 介護給付費 claim, resolved at ingestion from the care card to the person's medical household.</summary>
public sealed record CareClaimArrived(CareClaimHeld Held) : LogRecord
{
    public override HouseholdCard Card => Held.Card;
}

/// <summary>
/// A 介護給付費 claim withdrawn (取下げ): it leaves the household's checks and 高額介護合算. Named by the claim's key,
/// and resolved at ingestion to the household the claim went to (through its care card, when the claim has none yet).
/// </summary>
public sealed record CareClaimWithdrawn(HouseholdCard ClaimCard, string InsurerNo, string InsuredNo, string ProviderNo, YearMonth ServiceMonth,
    string ServiceType) : LogRecord
{
    public override HouseholdCard Card => ClaimCard;

    /// <summary>The key of the claim it withdraws (<see cref="CareClaimHeld.Key"/>).</summary>
    public CareClaimKey Key => new(InsurerNo, InsuredNo, ProviderNo, ServiceMonth.Value, ServiceType);
}

/// <summary>
/// Moves a shard's review clock forward to <see cref="Month"/> (never back: the clock is the max of what it has been
/// told, so the order these arrive in does not matter). Appended to every shard; fires the timers that are due.
/// </summary>
public sealed record ClockAdvanced(int Shard, YearMonth Month) : LogRecord, IShardWide
{
    public override HouseholdCard Card => default;
}

/// <summary>A new rule file (its full text) for a shard: every household of the shard is re-evaluated under it.</summary>
public sealed record RulesChanged(int Shard, string RulesJson) : LogRecord, IShardWide
{
    public override HouseholdCard Card => default;
}

/// <summary>A record for a shard as a whole rather than for one household: it names its shard instead of a card.</summary>
public interface IShardWide
{
    int Shard { get; }
}

/// <summary>A review decision on a receipt of this household (resolved from the receipt's key at ingestion).</summary>
public sealed record DecisionArrived(HouseholdCard ReceiptCard, ReviewDecision Decision) : LogRecord
{
    public override HouseholdCard Card => ReceiptCard;
}
