using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Api;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Review;

/// <summary>
/// 振替 candidates for ELIG-NONE findings: another card the eligibility feed gave the same person that covers the
/// service month, i.e. where the claim should have been billed. Found when a finding is read (the person's other
/// cards live in other households, possibly on other shards), from the card index and those households' eligibility.
/// </summary>
public sealed class TransferCandidates(ILogStore store, ActorHost host)
{
    public async Task<IReadOnlyList<FindingView>> AddToAsync(IReadOnlyList<FindingView> findings)
    {
        if (!findings.Any(IsCandidate)) return findings;
        var result = new List<FindingView>(findings.Count);
        foreach (var finding in findings)
            result.Add(IsCandidate(finding) && await CandidateFor(finding) is { } card ? finding with { TransferCandidate = card } : finding);
        return result;
    }

    private static bool IsCandidate(FindingView f) => f.CheckId == "ELIG-NONE" && f.State == "open";

    private async Task<CardView?> CandidateFor(FindingView finding)
    {
        var billed = new HouseholdCard(finding.InsurerNo, finding.CardSymbol, finding.CardNumber);
        var month = YearMonth.Parse(finding.ServiceMonth);
        foreach (var other in store.CardsOfPerson(finding.Person))
        {
            var card = new HouseholdCard(other.InsurerNo, other.Symbol, other.Number);
            if (card == billed) continue;
            var covers = await host.ReadGrainAsync(card, grain => grain is not null
                && HouseholdFacts.FirstCoveredDay(grain.Eligibility.Where(e => e.PersonId == finding.Person), month, out _) is not null);
            if (covers) return new CardView(card.InsurerNo, card.Symbol, card.Number, other.Branch);
        }
        return null;
    }
}
