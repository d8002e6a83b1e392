namespace Shinsa.Grains.Records;

/// <summary>A care claim resolved to the medical household card and 枝番 of its person (through eligibility).</summary>
public sealed record CareClaimHeld(HouseholdCard Card, string Branch, CareClaim Claim)
{
    public (string Insurer, string Insured, string Provider, int Month, string ServiceType) Key =>
        KeyOf(Claim.InsurerNo, Claim.InsuredNo, Claim.ProviderNo, Claim.ServiceMonth, Claim.ServiceType);

    /// <summary>
    /// What names a claim: sent again under its key it replaces the claim, withdrawn under it
    /// (<see cref="CareClaimWithdrawn.Key"/>) it removes it.
    /// </summary>
    public static (string Insurer, string Insured, string Provider, int Month, string ServiceType) KeyOf(
        string insurerNo, string insuredNo, string providerNo, YearMonth serviceMonth, string serviceType) =>
        (insurerNo, insuredNo, providerNo, serviceMonth.Value, serviceType);
}
