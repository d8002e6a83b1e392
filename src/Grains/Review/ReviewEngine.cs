using Shinsa.Grains.Review.Checks;

namespace Shinsa.Grains.Review;

/// <summary>The catalogue of DOMAIN.md, run over a household in one pass.</summary>
public static class ReviewEngine
{
    public static readonly IReadOnlyList<ICheck> Checks =
    [
        new EligibilityNoneCheck(), new EligibilityRatioCheck(), new DuplicateCheck(), new TotalCheck(), new VerticalCheck(),
        new HorizontalCheck(), new MatchCheck(), new CareHospitalCheck(), new JudoCheck(), new VisitsCheck(), new DrugsCheck(),
        new ThirdPartyCheck(), new RouteCheck(), new CheckupVisitCheck(), new DiabetesDropCheck(),
    ];

    public static IReadOnlyList<string> CheckIds { get; } = Checks.Select(c => c.Id).ToList();

    public static FindingSink Evaluate(HouseholdFacts facts, ReviewContext context)
    {
        var sink = new FindingSink(facts.Card, context.Rules.Version);
        foreach (var check in Checks) check.Evaluate(facts, context, sink);
        return sink;
    }
}
