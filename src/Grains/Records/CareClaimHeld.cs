namespace Shinsa.Grains.Records;

/// <summary>A care claim resolved to the medical household card and 枝番 of its person (through eligibility).</summary>
public sealed record CareClaimHeld(HouseholdCard Card, string Branch, CareClaim Claim)
{
    public (string Insurer, string Insured, string Provider, int Month, string ServiceType) Key =>
        (Claim.InsurerNo, Claim.InsuredNo, Claim.ProviderNo, Claim.ServiceMonth.Value, Claim.ServiceType);
}
