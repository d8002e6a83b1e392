using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Review.Checks;

/// <summary>
/// MATCH 突合 (医科 × 調剤): a 調剤 receipt whose prescriber billed no 処方箋料 for the person that month (the 調剤
/// receipt's cost is at stake); and a dispensed drug whose indication has no matching diagnosis on the prescriber's
/// receipt (the drug line is at stake). Re-evaluated when either side arrives, so the order does not matter.
/// </summary>
public sealed class MatchCheck : ICheck
{
    public string Id => "MATCH";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        var rules = context.Rules;
        foreach (var p in facts.Receipts.Where(r => r.Kind == ClaimKind.Pharmacy && r.PrescriberCode is not null))
        {
            var person = facts.PersonOf(p);
            var prescriber = facts.Receipts.Where(r => r.Kind is ClaimKind.Medical or ClaimKind.Dental && r.Key.ProviderCode == p.PrescriberCode
                && r.ServiceMonth == p.ServiceMonth && facts.PersonOf(r) == person).OrderBy(r => r.Key, ReceiptKeyOrder.Instance).ToList();
            if (!prescriber.Any(r => r.Lines.Any(l => rules.PrescriptionCodes.Contains(l.Code))))
            {
                sink.Add(Id, $"{p.Key}:prescription", person, p.Key.ProviderCode, p.ServiceMonth, [p.Key, .. prescriber.Select(r => r.Key)],
                    p.CostYen, $"no 処方箋料 on {p.PrescriberCode}'s receipt for this person and month");
                continue;
            }
            var diagnosed = prescriber.Aggregate(DiseaseGroup.None, (g, r) => g | ClaimMath.GroupsOf(r, context.Masters));
            foreach (var line in p.Lines.Where(l => l.Kind == LineKind.Drug))
            {
                var ingredient = ClaimMath.IngredientOf(line, context.Masters);
                var indication = rules.Indications.FirstOrDefault(i => i.Ingredient == ingredient);
                if (indication is null || indication.DiseaseGroups.Any(g => (diagnosed & g) != 0)) continue;
                sink.Add(Id, $"{p.Key}:{line.Code}", person, p.Key.ProviderCode, p.ServiceMonth, [p.Key, .. prescriber.Select(r => r.Key)],
                    ClaimMath.YenOf(line, context.Masters),
                    $"{line.Code} is indicated for {string.Join('/', indication.DiseaseGroups)}; the prescriber's receipt has no such diagnosis");
            }
        }
    }
}

/// <summary>
/// DRUGS 重複投薬・多剤: one ingredient from ≥ N prescribers in a month (the lines of every prescriber after the first
/// are at stake); ≥ M distinct oral drugs in a month (a care signal, no yen). Drugs given during a 入院 stay are the
/// hospital's to manage and are left out.
/// </summary>
public sealed class DrugsCheck : ICheck
{
    public string Id => "DRUGS";

    private sealed record Dispensed(Receipt Receipt, ServiceLine Line, string Prescriber, string Ingredient);

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        var rule = context.Rules.Drugs;
        foreach (var month in facts.Receipts.GroupBy(r => (Person: facts.PersonOf(r), r.ServiceMonth)))
        {
            var dispensed = month.Where(r => !r.IsInpatient).SelectMany(r => r.Lines.Where(l => l.Kind == LineKind.Drug)
                    .Select(l => new Dispensed(r, l, r.PrescriberCode ?? r.Key.ProviderCode, ClaimMath.IngredientOf(l, context.Masters) ?? l.Code)))
                .ToList();
            if (dispensed.Count == 0) continue;
            // N prescribers take at least N receipts.
            var ingredients = month.Count() >= rule.Prescribers
                ? dispensed.GroupBy(d => d.Ingredient).OrderBy(g => g.Key, StringComparer.Ordinal)
                : Enumerable.Empty<IGrouping<string, Dispensed>>();
            foreach (var ingredient in ingredients)
            {
                var prescribers = ingredient.Select(d => d.Prescriber).Distinct().Order(StringComparer.Ordinal).ToList();
                if (prescribers.Count < rule.Prescribers) continue;
                var yen = ingredient.Where(d => d.Prescriber != prescribers[0]).Sum(d => ClaimMath.YenOf(d.Line, context.Masters));
                sink.Add(Id, $"{month.Key.ServiceMonth}:{ingredient.Key}", month.Key.Person, prescribers[1], month.Key.ServiceMonth,
                    ingredient.Select(d => d.Receipt.Key), yen, $"ingredient {ingredient.Key} from {prescribers.Count} prescribers: {string.Join(", ", prescribers)}");
            }
            var oral = dispensed.Where(d => context.Masters.Drug(d.Line.Code) is { IsOral: true }).ToList();
            var distinct = oral.Select(d => d.Line.Code).Distinct().Count();
            if (distinct >= rule.DistinctOral)
                sink.Add(Id, $"{month.Key.ServiceMonth}:polypharmacy", month.Key.Person, "", month.Key.ServiceMonth,
                    oral.Select(d => d.Receipt.Key), 0, $"{distinct} distinct oral drugs in the month (多剤)");
        }
    }
}
