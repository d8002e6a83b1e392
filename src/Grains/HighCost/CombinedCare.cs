namespace Shinsa.Grains.HighCost;

/// <summary>What a household bore in an August–July year, for 高額介護合算療養費.</summary>
public sealed record CareYearBurden(string IncomeClass, long MedicalBorneYen, long CareCopayYen);

/// <summary>The 高額介護合算療養費 of a year, split between the medical and the care insurer.</summary>
public sealed record CombinedCareResult(long TotalYen, long CapYen, long PayableYen, long MedicalShareYen, long CareShareYen);

/// <summary>
/// 高額介護合算療養費: medical copays (after 高額療養費) plus care copays over August–July, against the annual cap of
/// the income class; paid only when the excess is above 500 yen; split in proportion to the two copays. The medical
/// share is rounded down to the yen and the care share takes the rest, so the shares always add up to the total.
/// Mixed households: the 70+ members' amounts meet the 70+ cap first, and what they still bear joins the
/// under-70 members' amounts under the under-70 cap (the same order as the monthly rule).
/// </summary>
public static class CombinedCareCalculator
{
    public static CombinedCareResult Compute(CareYearBurden? seventyPlus, CareYearBurden? underSeventy, HighCostTable table)
    {
        long payable = 0, cap = 0, total = 0, carried = 0, medical = 0, care = 0;
        foreach (var group in new[] { seventyPlus, underSeventy })
        {
            if (group is null) continue;
            cap = table.CombinedCareAnnualCaps.TryGetValue(group.IncomeClass, out var c) ? c
                : throw new ArgumentException($"no 高額介護合算 cap for '{group.IncomeClass}'");
            var sum = carried + group.MedicalBorneYen + group.CareCopayYen;
            total += group.MedicalBorneYen + group.CareCopayYen;
            medical += group.MedicalBorneYen;
            care += group.CareCopayYen;
            var excess = Math.Max(0, sum - cap);
            payable += excess;
            carried = sum - excess;
        }
        if (payable <= table.CombinedCareMinimumYen) payable = 0;
        var medicalShare = medical + care == 0 ? 0 : payable * medical / (medical + care);
        return new CombinedCareResult(total, cap, payable, medicalShare, payable - medicalShare);
    }
}
