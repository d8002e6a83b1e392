using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Review.Checks;

/// <summary>
/// CHK-VISIT 重症化予防: a check-up at 受診勧奨 level (HbA1c, SBP or DBP at or above the rule) and no 医科 receipt for
/// the person from the check-up month through the following N months. It can only be known once the review clock has
/// reached the end of that window: until then the household waits on a durable timer (<see cref="FindingSink.DueAt"/>).
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
            if (visited) continue;
            if (context.AsOf < end) { sink.DueAt(end); continue; }
            sink.Add(Id, c.ExamDate.ToString(), person, "", end, [], 0,
                $"受診勧奨 at the check-up of {c.ExamDate} (HbA1c {c.HbA1c}, {c.Sbp}/{c.Dbp} mmHg) and no 医科 visit through {end}");
        }
    }
}

/// <summary>
/// DM-DROP 糖尿病治療中断: a person with diabetes on their receipts has had no diabetes claim for the last N months of
/// the review clock. Waits on a durable timer until the clock reaches the last diabetes month + N.
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
            var last = person.MaxBy(r => (r.ServiceMonth.Value, r.Key.BillingMonth.Value, r.Key.ReceiptNo))!;
            var due = last.ServiceMonth.AddMonths(months);
            if (context.AsOf < due) { sink.DueAt(due); continue; }
            sink.Add(Id, last.ServiceMonth.ToString(), person.Key, last.Key.ProviderCode, due, [last.Key], 0,
                $"last diabetes claim in {last.ServiceMonth}, none in the {months} months after");
        }
    }
}
