using Shinsa.Grains.Records;

namespace Shinsa.Grains.Review.Checks;

/// <summary>
/// ELIG-NONE 資格なし・資格喪失後受診: the service month has no day on which the billed card covered the person. The
/// receipt's cost is at stake. Only cards of insurers whose eligibility the federation holds are checked.
/// </summary>
public sealed class EligibilityNoneCheck : ICheck
{
    public string Id => "ELIG-NONE";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        if (!context.Rules.ChecksEligibilityOf(facts.Card.InsurerNo)) return;
        foreach (var r in facts.Receipts)
        {
            var rows = facts.RowsOf(r.Branch, r.BirthDate, r.Sex);
            if (HouseholdFacts.FirstCoveredDay(rows, r.ServiceMonth, out _) is not null) continue;
            var lost = rows.Where(e => e.Kind == EligibilityEventKind.Lose && e.ValidTo is not null).Select(e => e.ValidTo!.Value).DefaultIfEmpty().Max();
            sink.Add(Id, r.Key.ToString(), facts.PersonOf(r), r.Key.ProviderCode, r.ServiceMonth, [r.Key], r.CostYen,
                lost > 0 ? $"資格喪失後受診: the card ended on {lost}" : "資格なし: no eligibility for this person on this card in the month");
        }
    }
}

/// <summary>
/// ELIG-RATIO 負担割合誤り: the billed 給付割合 differs from 100 − the eligibility burden % in force in the service
/// month. At stake: the difference in the insurer's share, |Δ%| × cost.
/// </summary>
public sealed class EligibilityRatioCheck : ICheck
{
    public string Id => "ELIG-RATIO";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        if (!context.Rules.ChecksEligibilityOf(facts.Card.InsurerNo)) return;
        foreach (var r in facts.Receipts)
        {
            if (r.BenefitRatio is not { } billed) continue;
            if (HouseholdFacts.FirstCoveredDay(facts.RowsOf(r.Branch, r.BirthDate, r.Sex), r.ServiceMonth, out _) is not { } row) continue;
            var expected = 100 - row.BurdenPct;
            if (billed == expected) continue;
            sink.Add(Id, r.Key.ToString(), facts.PersonOf(r), r.Key.ProviderCode, r.ServiceMonth, [r.Key],
                Math.Abs(billed - expected) * r.CostYen / 100, $"billed 給付割合 {billed}, eligibility gives {expected} (負担 {row.BurdenPct}%)");
        }
    }
}
