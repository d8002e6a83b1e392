namespace Shinsa.Grains.Records;

/// <summary>
/// A 柔道整復 (judo therapy) claim for one patient, clinic and month, in Shinsa's CSV contract. The JUDO check reads
/// <see cref="Parts"/> (部位数), the treatment days and how long the injury has gone on (from <see cref="InjuryDate"/>).
/// </summary>
public sealed record JudoClaim(
    string ProviderCode,      // 施術所 (7 digits)
    YearMonth BillingMonth,
    int ClaimNo,
    HouseholdCard Card,
    string Branch,            // 枝番
    int BirthDate,            // YYYYMMDD
    byte Sex,
    YearMonth ServiceMonth,
    int InjuryDate,           // 負傷年月日 YYYYMMDD
    string InjuryCode,        // names the injury, so a continuing one is recognised across months
    int Parts,                // 部位数
    uint DayMask,             // treatment days, bit d-1 for day d
    int CostYen,
    int CopayYen,
    int SourceLine)
{
    public int TreatmentDays => System.Numerics.BitOperations.PopCount(DayMask);
}
