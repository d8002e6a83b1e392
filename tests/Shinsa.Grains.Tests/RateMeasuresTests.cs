using FsCheck;
using FsCheck.Xunit;
using Shinsa.Grains.Households;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;
using static Shinsa.Grains.Tests.ReviewFixture;

namespace Shinsa.Grains.Tests;

/// <summary>
/// The inputs of the catalogue's rates, each checked against values worked out by hand: insured months and 特定健診
/// targets from eligibility, 後発 quantities, 柔整 patterns, and the review's 第三者行為 and 重症化予防 counts.
/// </summary>
public class RateMeasuresTests
{
    private static long Measure(World w, Measure measure, int month, string provider = "") =>
        w.Partials.Measures.Sum(measure, Months.In(new YearMonth(month)), k => k.ProviderCode == provider && k.InsurerNo == Card.InsurerNo).Count;

    /// <summary>The level in a month: the running sum of the changes up to it (what the KPI endpoint computes).</summary>
    private static long Level(World w, Measure measure, int month) =>
        w.Partials.Measures.Sum(measure, Months.Through(new YearMonth(month)), _ => true).Count;

    private static KpiCounters Total(World w) => w.Partials.Kpis.Sum(Months.All, _ => true);

    [Fact]
    public void Insured_months_count_any_day_covered_and_end_the_month_after_the_last()
    {
        // P1 from 15 April to 10 June 2024: April, May and June. P2 from 1 January 2024, open-ended.
        var w = new World().Apply(
            new EligibilityArrived(Eligible(from: 20240415, to: 20240610)),
            new EligibilityArrived(Eligible(from: 20240101, branch: "02", person: "P2", birth: 19900101)));

        Assert.Equal(1, Measure(w, Rollups.Measure.InsuredChange, 202401));
        Assert.Equal(1, Measure(w, Rollups.Measure.InsuredChange, 202404));
        Assert.Equal(-1, Measure(w, Rollups.Measure.InsuredChange, 202407));
        Assert.Equal([1, 1, 1, 2, 2, 2, 1, 1], new[] { 202401, 202402, 202403, 202404, 202405, 202406, 202407, 203001 }
            .Select(m => Level(w, Rollups.Measure.InsuredChange, m)));
    }

    [Fact]
    public void A_loss_row_ends_the_insured_months_and_a_gap_month_is_not_counted()
    {
        // Acquired 2024-01-01 (open), lost on 2024-02-20, acquired again 2024-04-01: January and February, then April on.
        var w = new World().Apply(
            new EligibilityArrived(Eligible(from: 20240101)),
            new EligibilityArrived(Eligible(from: 20240101, to: 20240220, kind: EligibilityEventKind.Lose)),
            new EligibilityArrived(Eligible(from: 20240401, kind: EligibilityEventKind.Acquire)));

        Assert.Equal([1, 1, 0, 1, 1], new[] { 202401, 202402, 202403, 202404, 202412 }.Select(m => Level(w, Rollups.Measure.InsuredChange, m)));
    }

    [Fact]
    public void Checkup_targets_are_insured_all_fiscal_year_and_40_to_74_at_its_end_and_examinees_are_targets_examined()
    {
        // P1, born 1 May 1970, insured since 1 January 2020: on 31 March ending fiscal year f P1 is f − 1970 years old
        // (40 in FY2010, 74 in FY2044, 75 in FY2045), and FY2020 (April 2020 – March 2021) is the first whole year on the
        // card: a target in FY2020 … FY2044.
        // P2, born 1 January 1980, joined 1 June 2024: FY2024 is not whole, FY2025 is (46 on 31 March 2026).
        var w = new World().Apply(
            new EligibilityArrived(Eligible(from: 20200101, birth: 19700501)),
            new EligibilityArrived(Eligible(from: 20240601, branch: "02", person: "P2", birth: 19800101)),
            new CheckupArrived(new Checkup(Card, "01", 20240610, 5.6m, null, 120, 70, null, null, null, null, 0)),
            new CheckupArrived(new Checkup(Card, "02", 20240901, 5.6m, null, 120, 70, null, null, null, null, 0)));

        int TargetsOf(int fiscalYear) => (int)Level(w, Rollups.Measure.CheckupTargetChange, (fiscalYear + 1) * 100 + 3);
        Assert.Equal(0, TargetsOf(2019));
        Assert.Equal(1, TargetsOf(2020));
        Assert.Equal(1, TargetsOf(2024));
        Assert.Equal(2, TargetsOf(2025));
        Assert.Equal(2, TargetsOf(2044));
        Assert.Equal(1, TargetsOf(2045)); // P1 is 75 at the end of FY2045; P2 is 66
        // P1 was examined in FY2024 and was a target; P2 too, but FY2024 was not a whole year on the card.
        Assert.Equal(1, Measure(w, Rollups.Measure.CheckupExaminees, 202503));
        Assert.Equal(0, Measure(w, Rollups.Measure.CheckupExaminees, 202603));
    }

    [Fact]
    public void Generic_share_counts_quantity_times_count_of_generics_and_of_brands_that_have_one()
    {
        // Amlodipine (generic) 1.5 tablets × 14, its brand Norvasc 1 × 7, Metformin (a brand with no generic) 2 × 30:
        // generic 21.000, denominator 21.000 + 7.000; Metformin is in neither.
        ServiceLine Drug(string code, decimal quantity, int times) => new(LineKind.Drug, "21", code, quantity, 1, times, 1);
        var w = new World().Apply(Receipt(1, [Drug(Amlodipine, 1.5m, 14), Drug(Norvasc, 1m, 7), Drug(Metformin, 2m, 30)],
            provider: Pharmacy, kind: ClaimKind.Pharmacy, prescriber: Clinic));

        var total = Total(w);
        Assert.Equal(21_000, total.GenericQty);
        Assert.Equal(28_000, total.GenericBaseQty);
        Assert.Equal(0, total.VisitReceipts); // a 調剤 receipt follows a visit: not in 受診率's 件数
    }

    [Fact]
    public void Judo_claims_count_their_patterns_and_a_replacement_or_withdrawal_takes_them_back()
    {
        JudoClaim Claim(int parts, int days) => new("5010001", new YearMonth(202405), 1, Card, "01", 19700101, 1, new YearMonth(202404), 20240301,
            "S934", parts, (uint)((1L << days) - 1), 9_800, 2_940, 0);
        var w = new World().Apply(new JudoClaimArrived(Claim(3, 15)));
        Assert.Equal(new KpiCounters(0, 0, 0, 0, 0, 0, JudoClaims: 1, JudoDays: 15, JudoCostYen: 9_800, JudoParts3: 1, JudoDays15: 1, JudoParts3Days15: 1),
            Total(w) with { Findings = 0, FindingYen = 0 });

        w.Apply(new JudoClaimArrived(Claim(2, 16)));
        Assert.Equal(new KpiCounters(0, 0, 0, 0, 0, 0, JudoClaims: 1, JudoDays: 16, JudoCostYen: 9_800, JudoDays15: 1),
            Total(w) with { Findings = 0, FindingYen = 0 });

        w.Apply(new ReceiptWithdrawn(Card, new ReceiptKey("5010001", new YearMonth(202405), 1)));
        Assert.True(Total(w).IsZero);
    }

    [Fact]
    public void Injury_receipts_count_toward_the_report_rate_and_a_report_moves_them_to_reported()
    {
        var w = new World(Context(202405)).Apply(
            new EligibilityArrived(Eligible()),
            new ReceiptArrived(Receipt(1, [Line(Revisit)], diagnoses: [Injury])),
            new ReceiptArrived(Receipt(2, [Line(Revisit)], provider: Clinic2, diagnoses: [Injury])),
            new ReceiptArrived(Receipt(3, [Line(Revisit)], diagnoses: [Cold])));
        Assert.Equal(1, Measure(w, Rollups.Measure.InjuryReceipts, 202404, Clinic));
        Assert.Equal(1, Measure(w, Rollups.Measure.InjuryReceipts, 202404, Clinic2));
        Assert.Equal(0, Measure(w, Rollups.Measure.InjuryReported, 202404, Clinic));

        w.Apply(new ThirdPartyReportArrived(new ThirdPartyReport(Card, "01", 20240420, "交通事故", 0)));
        Assert.Equal(1, Measure(w, Rollups.Measure.InjuryReported, 202404, Clinic));
        Assert.Equal(1, Measure(w, Rollups.Measure.InjuryReported, 202404, Clinic2));
        Assert.Empty(w.Open("THIRD"));
    }

    [Fact]
    public void Referred_check_ups_count_in_the_month_their_window_ends_and_the_unvisited_are_the_CHK_VISIT_findings()
    {
        // Two people at 受診勧奨 level in March 2024 (window: the starter rules' 10 months, so it ends in January 2025);
        // P1 visits in June 2024, P2 never does. The clock is past the window, so P2 is a finding.
        var w = new World(Context(202502)).Apply(
            new EligibilityArrived(Eligible()),
            new EligibilityArrived(Eligible(branch: "02", person: "P2", birth: 19650101)),
            new CheckupArrived(new Checkup(Card, "01", 20240310, 7.2m, null, 150, 95, null, null, null, null, 0)),
            new CheckupArrived(new Checkup(Card, "02", 20240312, 6.9m, null, 165, 100, null, null, null, null, 0)),
            new ReceiptArrived(Receipt(1, [Line(Revisit)], month: 202406, diagnoses: [Diabetes])));

        Assert.Equal(2, Measure(w, Rollups.Measure.CheckupReferrals, 202501));
        Assert.Equal(1, Measure(w, Rollups.Measure.CheckupReferralsVisited, 202501));
        var finding = Assert.Single(w.Open("CHK-VISIT"));
        Assert.Equal(new YearMonth(202501), finding.ServiceMonth);
        Assert.Equal("P2", finding.PersonKey);
    }

    [Property(MaxTest = 40)]
    public bool Once_the_clock_has_passed_a_window_referred_minus_visited_equals_the_CHK_VISIT_findings(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        var rng = new Random(seed);
        var w = new World(Context(202506)).Apply(new EligibilityArrived(Eligible()), new EligibilityArrived(Eligible(branch: "02", person: "P2")));
        foreach (var branch in new[] { "01", "02" })
            for (var i = 0; i < 3; i++)
            {
                var exam = 20240101 + rng.Next(0, 6) * 100 + rng.Next(0, 20);
                w.Apply(new CheckupArrived(new Checkup(Card, branch, exam, rng.Next(2) == 0 ? 7.5m : 5.5m, null, 120 + rng.Next(50), 80, null, null, null, null, 0)));
            }
        var visits = rng.Next(0, 4);
        for (var no = 1; no <= visits; no++)
            w.Apply(new ReceiptArrived(Receipt(no, [Line(Revisit)], month: 202401 + rng.Next(0, 12), branch: rng.Next(2) == 0 ? "01" : "02")));
        var findings = w.Open("CHK-VISIT").GroupBy(f => f.ServiceMonth).ToDictionary(g => g.Key, g => g.Count());
        return Enumerable.Range(0, 18).Select(i => new YearMonth(202401).AddMonths(i)).All(m =>
            Measure(w, Rollups.Measure.CheckupReferrals, m.Value) - Measure(w, Rollups.Measure.CheckupReferralsVisited, m.Value)
            == findings.GetValueOrDefault(m));
    }
}
