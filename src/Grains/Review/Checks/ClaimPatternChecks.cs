using Shinsa.Grains.Records;

namespace Shinsa.Grains.Review.Checks;

/// <summary>
/// DUP 重複請求: two or more receipts of one provider for one person, service month, kind and 入院/外来 class (for 調剤,
/// also one prescriber: a pharmacy bills one receipt per prescriber). A correction reuses the receipt's key (or
/// withdraws the earlier one), so distinct keys here are duplicates; every receipt after the first (in key order) is at
/// stake.
/// </summary>
public sealed class DuplicateCheck : ICheck
{
    public string Id => "DUP";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        if (facts.Receipts.Count < 2) return; // a duplicate takes two
        foreach (var group in facts.Receipts.GroupBy(r => (Person: facts.PersonOf(r), r.Key.ProviderCode, r.Kind, r.ServiceMonth, r.IsInpatient, r.PrescriberCode)))
        {
            var receipts = group.OrderBy(r => r.Key, ReceiptKeyOrder.Instance).ToList();
            if (receipts.Count < 2) continue;
            var (person, provider, kind, month, _, prescriber) = group.Key;
            var subject = $"{provider}:{kind}:{month}:{ClaimMath.Class(receipts[0])}" + (prescriber is null ? "" : $":{prescriber}");
            sink.Add(Id, subject, person, provider, month, receipts.Select(r => r.Key),
                receipts.Skip(1).Sum(r => r.CostYen), $"{receipts.Count} {ClaimMath.Class(receipts[0])} receipts for one person and month");
        }
    }
}

/// <summary>
/// VERT 縦覧 (one provider, across months): a code billed more often than its limit allows over a window ("≤ N times
/// in M months"; the excess 回数 × 点数 × 10 yen is at stake, on the month that went over); and 初診料 billed while a
/// disease diagnosed on an earlier receipt of the same provider continues (転帰 継続) — the 初診料 is at stake.
/// </summary>
public sealed class VerticalCheck : ICheck
{
    public string Id => "VERT";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        var rules = context.Rules;
        // Grouped only when needed (a limited code billed, or two receipts for the 初診料 part): most households need neither.
        List<IGrouping<(string Person, string ProviderCode), Receipt>>? byPersonProvider = null;
        List<IGrouping<(string Person, string ProviderCode), Receipt>> ByPersonProvider() =>
            byPersonProvider ??= facts.Receipts.GroupBy(r => (Person: facts.PersonOf(r), r.Key.ProviderCode)).ToList();
        foreach (var limit in rules.FrequencyLimits)
        {
            if (!AnyBills(facts.Receipts, limit.Code)) continue;
            foreach (var group in ByPersonProvider())
            {
                var byMonth = group.Where(r => r.Lines.Any(l => l.Code == limit.Code)).GroupBy(r => r.ServiceMonth).OrderBy(g => g.Key).ToList();
                foreach (var month in byMonth)
                {
                    var window = byMonth.Where(m => m.Key <= month.Key && m.Key > month.Key.AddMonths(-limit.Months))
                        .Sum(m => Times(m, limit.Code));
                    var times = Times(month, limit.Code);
                    if (window <= limit.MaxTimes) continue;
                    var excess = Math.Min(times, window - limit.MaxTimes);
                    var line = month.SelectMany(r => r.Lines).First(l => l.Code == limit.Code);
                    sink.Add(Id, $"{group.Key.ProviderCode}:{month.Key}:{limit.Code}", group.Key.Person, group.Key.ProviderCode, month.Key,
                        month.Select(r => r.Key), excess * ClaimMath.PointsOf(line, context.Masters) * 10,
                        $"{limit.Code} billed {window} times in {limit.Months} months (limit {limit.MaxTimes})");
                }
            }
        }

        if (facts.Receipts.Count < 2) return; // a 初診料 is only checked against an earlier receipt
        foreach (var group in ByPersonProvider())
            foreach (var r in group)
            {
                if (FirstOf(r, rules.FirstVisitCodes) is not { } firstVisit) continue;
                var codes = r.Diagnoses.Select(d => d.Code).ToHashSet();
                var earlier = group.Where(e => e.ServiceMonth < r.ServiceMonth && e.ServiceMonth >= r.ServiceMonth.AddMonths(-rules.FirstVisitLookbackMonths)
                        && e.Diagnoses.Any(d => d.Outcome == 1 && codes.Contains(d.Code)))
                    .OrderBy(e => e.Key, ReceiptKeyOrder.Instance).ToList();
                if (earlier.Count == 0) continue;
                sink.Add(Id, $"{r.Key}:first-visit", group.Key.Person, r.Key.ProviderCode, r.ServiceMonth, [r.Key, .. earlier.Select(e => e.Key)],
                    ClaimMath.YenOf(firstVisit, context.Masters), "初診料 while a disease of an earlier receipt continues (転帰 継続)");
            }
    }

    private static int Times(IEnumerable<Receipt> receipts, string code) =>
        receipts.SelectMany(r => r.Lines).Where(l => l.Code == code).Sum(l => l.Times);

    private static bool AnyBills(IReadOnlyList<Receipt> receipts, string code)
    {
        for (var i = 0; i < receipts.Count; i++)
            foreach (var line in receipts[i].Lines)
                if (line.Code == code) return true;
        return false;
    }

    private static ServiceLine? FirstOf(Receipt receipt, IReadOnlyList<string> codes)
    {
        foreach (var line in receipt.Lines)
            if (codes.Contains(line.Code)) return line;
        return null;
    }
}

/// <summary>
/// HORZ 横覧 (one month, across receipts): an exclusive item billed on both the 入院 and the 外来 receipt of one
/// provider (the 外来 line is at stake); and 入院 days at two hospitals that overlap (the later receipt's cost per day
/// × overlapping days is at stake).
/// </summary>
public sealed class HorizontalCheck : ICheck
{
    public string Id => "HORZ";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        if (facts.Receipts.Count < 2) return; // both patterns compare two receipts
        var medical = facts.Receipts.Where(r => r.Kind == ClaimKind.Medical).ToList();
        foreach (var group in medical.GroupBy(r => (Person: facts.PersonOf(r), r.Key.ProviderCode, r.ServiceMonth)))
        {
            var inpatient = group.Where(r => r.IsInpatient).ToList();
            var outpatient = group.Where(r => !r.IsInpatient).ToList();
            if (inpatient.Count == 0 || outpatient.Count == 0) continue;
            foreach (var code in context.Rules.InpatientOutpatientExclusive)
            {
                if (!inpatient.Any(r => r.Lines.Any(l => l.Code == code))) continue;
                var billed = outpatient.Where(r => r.Lines.Any(l => l.Code == code)).ToList();
                if (billed.Count == 0) continue;
                var yen = billed.SelectMany(r => r.Lines).Where(l => l.Code == code).Sum(l => ClaimMath.YenOf(l, context.Masters));
                sink.Add(Id, $"{group.Key.ProviderCode}:{group.Key.ServiceMonth}:{code}", group.Key.Person, group.Key.ProviderCode,
                    group.Key.ServiceMonth, [.. inpatient.Select(r => r.Key), .. billed.Select(r => r.Key)], yen,
                    $"{code} on both the 入院 and the 外来 receipt");
            }
        }

        foreach (var group in medical.Where(r => r.IsInpatient).GroupBy(r => (Person: facts.PersonOf(r), r.ServiceMonth)))
        {
            var stays = group.OrderBy(r => r.Key, ReceiptKeyOrder.Instance).ToList();
            for (var i = 0; i < stays.Count; i++)
                for (var j = i + 1; j < stays.Count; j++)
                {
                    var (a, b) = (stays[i], stays[j]);
                    if (a.Key.ProviderCode == b.Key.ProviderCode) continue;
                    var overlap = ClaimMath.CountDays(ClaimMath.DaysOf(a) & ClaimMath.DaysOf(b));
                    if (overlap == 0) continue;
                    sink.Add(Id, $"{a.Key}|{b.Key}:overlap", group.Key.Person, b.Key.ProviderCode, group.Key.ServiceMonth, [a.Key, b.Key],
                        b.Days > 0 ? b.CostYen * overlap / b.Days : 0, $"{overlap} 入院 days at both {a.Key.ProviderCode} and {b.Key.ProviderCode}");
                }
        }
    }
}
