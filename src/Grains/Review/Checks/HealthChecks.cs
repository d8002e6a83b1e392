using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Review.Checks;

/// <summary>
/// CHK-VISIT 重症化予防: a check-up at 受診勧奨 level (HbA1c, SBP or DBP at or above the rule) and no 医科 receipt for
/// the person from the check-up month through the following N months. It can only be known once the review clock has
/// reached the end of that window: until then the household waits on a durable timer (<see cref="FindingSink.DueAt"/>).
/// Only people still insured on the card at the end of the window are flagged. The 重症化予防 受診率 of a month is
/// visited / referred over the check-ups whose window ends in it, so once the clock has passed it, referred − visited
/// is the month's CHK-VISIT findings.
/// </summary>
public sealed class CheckupVisitCheck : ICheck
{
    public string Id => "CHK-VISIT";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        var rule = context.Rules.CheckupVisit;
        foreach (var c in facts.Checkups.Where(c => c.HbA1c >= rule.HbA1c || c.Sbp >= rule.Sbp || c.Dbp >= rule.Dbp))
        {
            var person = facts.PersonOf(c.Branch);
            var exam = new YearMonth(c.ExamDate / 100);
            var end = exam.AddMonths(rule.Months);
            var visited = facts.Receipts.Any(r => r.Kind == ClaimKind.Medical && r.ServiceMonth >= exam && r.ServiceMonth <= end && facts.PersonOf(r) == person);
            // The 受診率 counts whoever the insurer can still follow up: the visited, and the rest while insured.
            var covered = StillCovered(facts, context, c.Branch, 0, 0, end);
            if (visited || covered) sink.Count(Measure.CheckupReferrals, "", end);
            if (visited)
            {
                sink.Count(Measure.CheckupReferralsVisited, "", end);
                continue;
            }
            if (context.AsOf < end) { sink.DueAt(end); continue; }
            if (!covered) continue;
            sink.Add(Id, c.ExamDate.ToString(), person, "", end, [], 0,
                $"受診勧奨 at the check-up of {c.ExamDate} (HbA1c {c.HbA1c}, {c.Sbp}/{c.Dbp} mmHg) and no 医科 visit through {end}");
        }
    }

    /// <summary>
    /// A health-management finding is the insurer's to act on only while the person is still its insured: someone who
    /// left, died or moved to 後期 has their visits on another card. Cards whose eligibility the federation does not
    /// hold cannot tell, and are always looked at.
    /// </summary>
    internal static bool StillCovered(HouseholdFacts facts, ReviewContext context, string? branch, int birthDate, byte sex, YearMonth month) =>
        !context.Rules.ChecksEligibilityOf(facts.Card.InsurerNo)
        || HouseholdFacts.FirstCoveredDay(facts.RowsOf(branch, birthDate, sex), month, out _) is not null;
}

/// <summary>
/// DM-DROP 糖尿病治療中断: after a month with a diabetes claim, N months with none (each interruption is a finding, in
/// the month it becomes one: the diabetes month + N). Until the review clock reaches that month the household waits on
/// a durable timer; a diabetes claim inside the N months (even arriving late) means there was no interruption. Only
/// people still insured on the card in the month it becomes one are flagged.
/// </summary>
public sealed class DiabetesDropCheck : ICheck
{
    public string Id => "DM-DROP";

    public void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink)
    {
        var months = context.Rules.DiabetesDrop.Months;
        var diabetic = facts.Receipts.Where(r => r.Kind == ClaimKind.Medical && (ClaimMath.GroupsOf(r, context.Masters) & DiseaseGroup.Diabetes) != 0);
        foreach (var person in diabetic.GroupBy(facts.PersonOf))
        {
            var byMonth = person.GroupBy(r => r.ServiceMonth).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Key, ReceiptKeyOrder.Instance).Last());
            foreach (var (month, last) in byMonth.OrderBy(m => m.Key))
            {
                var due = month.AddMonths(months);
                if (Enumerable.Range(1, months).Any(i => byMonth.ContainsKey(month.AddMonths(i)))) continue;
                if (context.AsOf < due) { sink.DueAt(due); continue; }
                if (!CheckupVisitCheck.StillCovered(facts, context, last.Branch, last.BirthDate, last.Sex, due)) continue;
                sink.Add(Id, month.ToString(), person.Key, last.Key.ProviderCode, due, [last.Key], 0,
                    $"diabetes claim in {month}, none in the {months} months after");
            }
        }
    }
}
