namespace Shinsa.Grains.Records;

/// <summary>A care claim resolved to the medical household card and 枝番 of its person (through eligibility).</summary>
public sealed record CareClaimHeld(HouseholdCard Card, string Branch, CareClaim Claim)
{
    public CareClaimKey Key => new(Claim.InsurerNo, Claim.InsuredNo, Claim.ProviderNo, Claim.ServiceMonth.Value, Claim.ServiceType);
}

/// <summary>
/// What names a care claim: sent again under its key it replaces the claim, withdrawn under it
/// (<see cref="CareClaimWithdrawn.Key"/>) it removes it.
/// </summary>
public readonly record struct CareClaimKey(string Insurer, string Insured, string Provider, int Month, string ServiceType) : IComparable<CareClaimKey>
{
    // The order a household keeps (and snapshots) its care claims in: field by field, as the tuple this key replaced.
    public int CompareTo(CareClaimKey other) =>
        (Insurer, Insured, Provider, Month, ServiceType).CompareTo((other.Insurer, other.Insured, other.Provider, other.Month, other.ServiceType));
}
