using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Review.Checks;

/// <summary>
/// VISITS 重複・頻回受診: the same disease billed by ≥ N outpatient 医科 providers in a month; ≥ D visit days at one
/// provider in a month. Care signals for the insurer's health guidance: no yen at stake.
/// </summary>
public sealed class VisitsCheck : ICheck
{
    public string Id => "VISITS";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        var rule = context.Rules.Visits;
        var outpatient = facts.Receipts.Where(r => r.Kind == ClaimKind.Medical && !r.IsInpatient).ToList();
        foreach (var month in outpatient.GroupBy(r => (Person: facts.PersonOf(r), r.ServiceMonth)))
        {
            // N providers take at least N receipts.
            var diseases = month.Count() >= rule.Providers
                ? month.SelectMany(r => r.Diagnoses.Select(d => (d.Code, Receipt: r))).GroupBy(x => x.Code).OrderBy(g => g.Key, StringComparer.Ordinal)
                : Enumerable.Empty<IGrouping<string, (string Code, Receipt Receipt)>>();
            foreach (var disease in diseases)
            {
                var providers = disease.Select(x => x.Receipt.Key.ProviderCode).Distinct().Order(StringComparer.Ordinal).ToList();
                if (providers.Count < rule.Providers) continue;
                sink.Add(Id, $"{month.Key.ServiceMonth}:{disease.Key}", month.Key.Person, providers[0], month.Key.ServiceMonth,
                    disease.Select(x => x.Receipt.Key), 0, $"disease {disease.Key} at {providers.Count} providers (重複受診)");
            }
            foreach (var provider in month.GroupBy(r => r.Key.ProviderCode))
            {
                var days = provider.Sum(r => r.Days);
                if (days < rule.Days) continue;
                sink.Add(Id, $"{month.Key.ServiceMonth}:{provider.Key}:days", month.Key.Person, provider.Key, month.Key.ServiceMonth,
                    provider.Select(r => r.Key), 0, $"{days} visit days at one provider (頻回受診)");
            }
        }
    }
}

/// <summary>
/// THIRD 第三者行為 candidate: a receipt with an injury diagnosis while no 傷病届 is on file for the person; the
/// receipt's cost is what the insurer could recover. Closes when a report arrives. Every injury receipt counts toward
/// the 届出率 (reported / injury receipts).
/// </summary>
public sealed class ThirdPartyCheck : ICheck
{
    public string Id => "THIRD";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        var groups = context.Rules.ThirdPartyGroups.Aggregate(DiseaseGroup.None, (a, g) => a | g);
        var reported = facts.ThirdPartyReports.Select(t => facts.PersonOf(t.Branch)).ToHashSet();
        foreach (var r in facts.Receipts.Where(r => r.Kind is ClaimKind.Medical or ClaimKind.Dental))
        {
            if ((ClaimMath.GroupsOf(r, context.Masters) & groups) == 0) continue;
            var person = facts.PersonOf(r);
            sink.Count(Measure.InjuryReceipts, r.Key.ProviderCode, r.ServiceMonth);
            if (reported.Contains(person))
            {
                sink.Count(Measure.InjuryReported, r.Key.ProviderCode, r.ServiceMonth);
                continue;
            }
            sink.Add(Id, r.Key.ToString(), person, r.Key.ProviderCode, r.ServiceMonth, [r.Key], r.CostYen, "injury diagnosis with no 傷病届 on file");
        }
    }
}

/// <summary>
/// JUDO 柔整: ≥ 3 parts and ≥ 15 treatment days in a month; the same injury going on longer than 5 months (from
/// 負傷年月日 to the service month). The claim's cost is at stake. The claim is named like a receipt (施術所, 請求年月, number).
/// </summary>
public sealed class JudoCheck : ICheck
{
    public string Id => "JUDO";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        var rule = context.Rules.Judo;
        foreach (var j in facts.JudoClaims)
        {
            var key = new ReceiptKey(j.ProviderCode, j.BillingMonth, j.ClaimNo);
            var person = facts.PersonOf(j.Branch, j.BirthDate, j.Sex);
            if (j.Parts >= rule.Parts && j.TreatmentDays >= rule.Days)
                sink.Add(Id, $"{key}:parts-days", person, j.ProviderCode, j.ServiceMonth, [key], j.CostYen,
                    $"{j.Parts} parts and {j.TreatmentDays} treatment days (多部位・頻回)");
            var months = ClaimMath.MonthsBetween(new YearMonth(j.InjuryDate / 100), j.ServiceMonth);
            if (months > rule.Months)
                sink.Add(Id, $"{key}:long", person, j.ProviderCode, j.ServiceMonth, [key], j.CostYen,
                    $"injury {j.InjuryCode} of {j.InjuryDate} still treated after {months} months (長期)");
        }
    }
}
