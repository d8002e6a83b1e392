using Shinsa.Grains.Records;

namespace Shinsa.Client.Generation;

/// <summary>
/// Review decisions on a month's 医科 and 歯科 receipts (DOMAIN.md: 査定 ≈ 0.681% by count, 返戻 ≈ 0.36%), plus 原審 on
/// re-reviews and, a month later, 復活 for some 査定. They never touch a receipt a label names, and 返戻 (which takes a
/// receipt out of the review) only receipts no check leans on: 歯科, or a 医科 外来 receipt without a 処方箋 of a
/// non-diabetic under 40 (no check-up, no 調剤 pairing, no diabetes history). The totals they move are kept per
/// service month and insurer, so the replay's reconciliation expects the KPIs after the decisions.
/// </summary>
internal sealed class MonthlyDecisions(Population population)
{
    /// <summary>What decisions took off a receipt in the KPIs: returned (receipt, days, points) or points cut.</summary>
    private sealed record Effect(string ServiceMonth, string Insurer, int Days, int Points, bool Returned, int Cut);

    private readonly Dictionary<ReceiptKey, Effect> _effects = new();
    private List<ReviewDecision> _restoreNextMonth = [];

    public List<ReviewDecision> Generate(YearMonth month, Rng rng, MonthlyClaims.Batch batch, IReadOnlySet<string> labelled)
    {
        var decisions = _restoreNextMonth;
        foreach (var d in decisions) _effects[d.Receipt] = _effects[d.Receipt] with { Cut = 0 };
        _restoreNextMonth = [];
        var people = population.People.ToDictionary(p => p.Id);
        foreach (var ((kind, _), receipts) in batch.ByProvider)
        {
            if (kind is not (ClaimKind.Medical or ClaimKind.Dental)) continue;
            foreach (var r in receipts)
            {
                var x = rng.NextDouble();
                if (labelled.Contains(r.Key.ToString())) continue;
                var person = people[batch.Owners[r.Key]];
                if (x < 0.00681)
                {
                    var cut = rng.Between(1, Math.Max(1, r.DeclaredPoints / 5));
                    decisions.Add(new ReviewDecision(r.Key, DecisionKind.Assessed, cut, 0));
                    _effects[r.Key] = new Effect(month.ToString(), r.Card.InsurerNo, r.Days, r.DeclaredPoints, false, cut);
                    if (rng.Chance(0.1)) _restoreNextMonth.Add(new ReviewDecision(r.Key, DecisionKind.Restored, 0, 0));
                }
                else if (x < 0.00681 + 0.0036 && Returnable(r, person, month))
                {
                    decisions.Add(new ReviewDecision(r.Key, DecisionKind.Returned, 0, 0));
                    _effects[r.Key] = new Effect(month.ToString(), r.Card.InsurerNo, r.Days, r.DeclaredPoints, true, 0);
                }
                else if (x < 0.012) decisions.Add(new ReviewDecision(r.Key, DecisionKind.Upheld, 0, 0));
            }
        }
        return decisions;
    }

    private static bool Returnable(Receipt r, Person p, YearMonth month) =>
        r.Kind == ClaimKind.Dental
        || (!r.IsInpatient && !p.Diabetic && p.AgeAt(month) < 40 && r.Lines.All(l => l.Code != ClaimCatalog.Prescription.Code));

    /// <summary>What the decisions took off the KPIs of a service month, by insurer: [returned receipts, their days, points].</summary>
    public SortedDictionary<string, long[]> Decided(string serviceMonth)
    {
        var byInsurer = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var e in _effects.Values.Where(e => e.ServiceMonth == serviceMonth))
        {
            var t = byInsurer.TryGetValue(e.Insurer, out var x) ? x : byInsurer[e.Insurer] = new long[3];
            if (e.Returned) { t[0]++; t[1] += e.Days; t[2] += e.Points; }
            else t[2] += e.Cut;
        }
        return byInsurer;
    }
}
