using Shinsa.Grains.Records;

namespace Shinsa.Grains.Review.Checks;

/// <summary>
/// CARE-HOSP 医療 × 介護突合: care service days that fall inside a 医科 入院 stay of the same person and month (care is
/// not billable while in hospital). At stake: the care benefit for the overlapping days.
/// </summary>
public sealed class CareHospitalCheck : ICheck
{
    public string Id => "CARE-HOSP";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        foreach (var held in facts.CareClaims)
        {
            var c = held.Claim;
            var person = facts.PersonOf(held.Branch);
            var stays = facts.Receipts.Where(r => r.Kind == ClaimKind.Medical && r.IsInpatient && r.ServiceMonth == c.ServiceMonth && facts.PersonOf(r) == person)
                .OrderBy(r => r.Key, ReceiptKeyOrder.Instance).ToList();
            var stayDays = stays.Aggregate(0u, (m, r) => m | ClaimMath.DaysOf(r));
            var overlap = ClaimMath.CountDays(c.DayMask & stayDays);
            if (overlap == 0) continue;
            var benefit = (long)Math.Floor(c.Units * c.UnitPriceYen) * c.BenefitPct / 100;
            var days = ClaimMath.CountDays(c.DayMask);
            sink.Add(Id, $"{c.ProviderNo}:{c.ServiceMonth}:{c.ServiceType}", person, c.ProviderNo, c.ServiceMonth, stays.Select(r => r.Key),
                benefit * overlap / days, $"{overlap} care service days (種類 {c.ServiceType}) inside a 入院 stay");
        }
    }
}
