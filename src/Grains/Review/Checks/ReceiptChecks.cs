using Shinsa.Grains.Records;

namespace Shinsa.Grains.Review.Checks;

/// <summary>TOTAL 点数不一致: the declared total differs from Σ 点数×回数; the difference × 10 yen is at stake.</summary>
public sealed class TotalCheck : ICheck
{
    public string Id => "TOTAL";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        foreach (var r in facts.Receipts)
        {
            var difference = r.DeclaredPoints - r.ComputedPoints;
            if (difference == 0) continue;
            sink.Add(Id, r.Key.ToString(), facts.PersonOf(r), r.Key.ProviderCode, r.ServiceMonth, [r.Key], Math.Abs(difference) * 10,
                $"declared {r.DeclaredPoints} points, lines sum to {r.ComputedPoints}");
        }
    }
}

/// <summary>ROUTE review routing: 医科 ≥ 70,000 points → 審査専門部会; ≥ 380,000 (≥ 700,000 with 心・脈管 surgery) → 特別審査; 歯科 ≥ 200,000 → 特別審査. The receipt's cost is at stake.</summary>
public sealed class RouteCheck : ICheck
{
    public string Id => "ROUTE";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        var rule = context.Rules.Route;
        foreach (var r in facts.Receipts)
        {
            string? route = r.Kind switch
            {
                ClaimKind.Medical when r.DeclaredPoints >= (r.Lines.Any(l => rule.CardioSurgeryCodes.Contains(l.Code))
                    ? rule.MedicalSpecialCardioPoints : rule.MedicalSpecialPoints) => "特別審査",
                ClaimKind.Medical when r.DeclaredPoints >= rule.MedicalExpertPoints => "審査専門部会",
                ClaimKind.Dental when r.DeclaredPoints >= rule.DentalSpecialPoints => "特別審査",
                _ => null,
            };
            if (route is null) continue;
            sink.Add(Id, r.Key.ToString(), facts.PersonOf(r), r.Key.ProviderCode, r.ServiceMonth, [r.Key], r.CostYen,
                $"{r.DeclaredPoints:N0} points → {route}");
        }
    }
}
