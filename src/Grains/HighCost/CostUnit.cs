namespace Shinsa.Grains.HighCost;

/// <summary>
/// One 算定単位 of 高額療養費: a person's claims at one provider, 医科 or 歯科, 入院 or 外来, in a month (a 調剤
/// receipt belongs to its prescriber's 外来 unit). <see cref="CopayYen"/> is the copay before any cap.
/// </summary>
public sealed record CostUnit(string PersonKey, string ProviderCode, bool Dental, bool Inpatient, long CostYen, long CopayYen)
{
    /// <summary>The copay before the cap: burden ratio × cost, rounded to 10 yen (half up).</summary>
    public static long CopayOf(long costYen, int burdenPct) => (costYen * burdenPct + 500) / 1000 * 10;

    public static CostUnit Of(string person, string provider, bool dental, bool inpatient, long costYen, int burdenPct) =>
        new(person, provider, dental, inpatient, costYen, CopayOf(costYen, burdenPct));
}
