using Shinsa.Grains.Rollups;
using Shinsa.Grains.Findings;
using Shinsa.Grains.Records;
using static Shinsa.Grains.Tests.ReviewFixture;

namespace Shinsa.Grains.Tests;

/// <summary>
/// Each check of the catalogue on a hand-made household, with the yen at stake worked out by hand from the fixture's
/// points (点数 × 回数 × 10 yen).
/// </summary>
public class ReviewChecksTests
{
    private static World Covered() => new World().Apply(new EligibilityArrived(Eligible()));

    [Fact]
    public void DUP_two_outpatient_receipts_of_one_provider_and_month_put_the_second_at_stake()
    {
        var w = Covered().Apply(Receipt(1, [Line(Revisit, 2)]), Receipt(2, [Line(Revisit)]));
        var f = Assert.Single(w.Open("DUP"));
        Assert.Equal(730, f.YenAtStake); // receipt 2: 73 points × 1 × 10
        Assert.Equal([1, 2], f.Receipts.Select(r => r.ReceiptNo));
        // An inpatient receipt of the same provider is another class: no duplicate.
        Assert.Single(Covered().Apply(Receipt(1, [Line(Revisit)]), Receipt(2, [Line(Admission)], inpatient: true), Receipt(3, [Line(Revisit)])).Open("DUP"));
    }

    [Fact]
    public void DUP_pharmacy_receipts_of_two_prescribers_are_not_duplicates()
    {
        var w = Covered().Apply(
            Receipt(1, [Line(Famotidine, 7)], provider: Pharmacy, kind: ClaimKind.Pharmacy, prescriber: Clinic, diagnoses: []),
            Receipt(2, [Line(Amlodipine, 7)], provider: Pharmacy, kind: ClaimKind.Pharmacy, prescriber: Clinic2, diagnoses: []),
            Receipt(3, [Line(Amlodipine, 7)], provider: Pharmacy, kind: ClaimKind.Pharmacy, prescriber: Clinic2, diagnoses: []));
        Assert.Equal(70, Assert.Single(w.Open("DUP")).YenAtStake); // only Clinic2's two: the second, 1 × 7 × 10
    }

    [Fact]
    public void VERT_a_code_over_its_monthly_limit_puts_the_excess_at_stake()
    {
        var w = Covered().Apply(Receipt(1, [Line(Revisit), Line(Urine, 3)]));
        Assert.Equal(520, Assert.Single(w.Open("VERT")).YenAtStake); // limit 1 a month: 2 too many × 26 × 10
        Assert.Empty(Covered().Apply(Receipt(1, [Line(Urine)]), Receipt(2, [Line(Urine)], month: 202405)).Open("VERT"));
    }

    [Fact]
    public void VERT_first_visit_fee_while_the_same_disease_continues_at_the_same_provider()
    {
        var earlier = Receipt(1, [Line(FirstVisit)], month: 202403, diagnoses: [Hypertension]);
        var again = Receipt(2, [Line(FirstVisit)], month: 202404, diagnoses: [Hypertension, Cold]);
        var f = Assert.Single(Covered().Apply(earlier, again).Open("VERT"));
        Assert.Equal(2_880, f.YenAtStake); // 初診料 288 × 10
        Assert.Equal(new YearMonth(202404), f.ServiceMonth);
        // Another disease, or another provider, is a real first visit.
        Assert.Empty(Covered().Apply(earlier, again with { Diagnoses = [new Diagnosis(Cold, 20240401, 1, true)] }).Open("VERT"));
        Assert.Empty(Covered().Apply(earlier, again with { Key = again.Key with { ProviderCode = Clinic2 } }).Open("VERT"));
    }

    [Fact]
    public void HORZ_exclusive_item_on_both_the_inpatient_and_the_outpatient_receipt()
    {
        var w = Covered().Apply(Receipt(1, [Line(Admission, 3), Line(Blood)], provider: Hospital, inpatient: true, days: 3),
            Receipt(2, [Line(Revisit), Line(Blood)], provider: Hospital));
        Assert.Equal(210, Assert.Single(w.Open("HORZ")).YenAtStake); // the 外来 blood test: 21 × 10
        Assert.Empty(w.Open("VERT")); // an exclusive code is not also frequency-limited: the yen is found once
    }

    [Fact]
    public void HORZ_overlapping_stays_at_two_hospitals_put_the_later_receipts_overlap_days_at_stake()
    {
        var first = Receipt(1, [Line(Admission, 5, 0b11111u)], provider: Hospital, inpatient: true, days: 5);          // days 1–5
        var second = Receipt(1, [Line(Admission, 5, 0b11111000u)], provider: Hospital2, inpatient: true, days: 5);     // days 4–8
        var f = Assert.Single(Covered().Apply(first, second).Open("HORZ"));
        // second: 1,650 × 5 = 8,250 points = 82,500 yen over 5 days; 2 days overlap → 33,000
        Assert.Equal(33_000, f.YenAtStake);
        Assert.Equal(Hospital2, f.ProviderCode);
    }

    [Fact]
    public void MATCH_follows_the_prescribers_receipt_whichever_arrives_first()
    {
        var pharmacy = Receipt(1, [Line(Metformin, 14)], provider: Pharmacy, kind: ClaimKind.Pharmacy, prescriber: Clinic, diagnoses: []);
        var w = Covered().Apply(pharmacy);
        var missing = Assert.Single(w.Open("MATCH"));
        Assert.Equal(280, missing.YenAtStake); // the pharmacy receipt: 2 × 14 = 28 points
        Assert.Contains("処方箋料", missing.Detail);

        // The prescriber bills 処方箋料 but diagnoses only a cold: metformin (diabetes) is not indicated.
        w.Apply(Receipt(5, [Line(Revisit), Line(Prescription)], diagnoses: [Cold]));
        var indication = Assert.Single(w.Open("MATCH"));
        Assert.Equal(280, indication.YenAtStake); // the drug line: 2 × 14 × 10
        Assert.EndsWith(Metformin, indication.Id);
        Assert.Equal(FindingState.Resolved, w.Grain.Findings.Single(f => f.Id == missing.Id).State);

        // The corrected prescriber receipt (same key) carries the diabetes diagnosis: nothing left.
        w.Apply(Receipt(5, [Line(Revisit), Line(Prescription)], diagnoses: [Diabetes]));
        Assert.Empty(w.Open("MATCH"));
    }

    [Fact]
    public void DRUGS_same_ingredient_from_two_prescribers_puts_the_second_prescribers_lines_at_stake()
    {
        var w = Covered().Apply(
            Receipt(1, [Line(Revisit), Line(Prescription)], provider: Clinic),
            Receipt(1, [Line(Famotidine, 14)], provider: Pharmacy, kind: ClaimKind.Pharmacy, prescriber: Clinic, diagnoses: []),
            Receipt(1, [Line(Revisit), Line(Famotidine, 7)], provider: Clinic2));  // 院内処方 at a second clinic
        var f = Assert.Single(w.Open("DRUGS"));
        Assert.Equal(210, f.YenAtStake); // Clinic2's famotidine: 3 × 7 × 10
        Assert.Equal(Clinic2, f.ProviderCode);
    }

    [Fact]
    public void DRUGS_fires_on_as_few_receipts_as_it_takes_prescribers()
    {
        // Two receipts, two prescribers: the pharmacy's (prescribed at Clinic) and Clinic2's 院内処方.
        var w = Covered().Apply(
            Receipt(1, [Line(Famotidine, 14)], provider: Pharmacy, kind: ClaimKind.Pharmacy, prescriber: Clinic, diagnoses: []),
            Receipt(1, [Line(Revisit), Line(Famotidine, 7)], provider: Clinic2));
        var f = Assert.Single(w.Open("DRUGS"));
        Assert.Equal(210, f.YenAtStake);
        Assert.Equal(Clinic2, f.ProviderCode);
    }

    [Fact]
    public void ELIG_NONE_before_acquisition_and_after_loss_but_not_while_covered()
    {
        var receipt = Receipt(1, [Line(Revisit)]);
        Assert.Equal(730, Assert.Single(new World().Apply(new EligibilityArrived(Eligible(from: 20240501))).Apply(receipt).Open("ELIG-NONE")).YenAtStake);
        var lost = new World().Apply(new EligibilityArrived(Eligible()), new EligibilityArrived(Eligible(kind: EligibilityEventKind.Lose, to: 20240331)));
        Assert.Contains("20240331", Assert.Single(lost.Apply(receipt).Open("ELIG-NONE")).Detail);
        Assert.Empty(Covered().Apply(receipt).Open("ELIG-NONE"));
        // A single covered day in the month is enough.
        Assert.Empty(new World().Apply(new EligibilityArrived(Eligible(from: 20240430))).Apply(receipt).Open("ELIG-NONE"));
        // Cards of insurers whose eligibility the federation does not hold are not checked.
        var other = new HouseholdCard("06040011", "12", "345");
        var w = new World();
        var foreign = new Shinsa.Grains.Households.HouseholdGrain(other);
        foreign.Apply(new ReceiptArrived(receipt with { Card = other }), w.Partials, w.Context);
        Assert.Empty(foreign.OpenFindings);
    }

    [Fact]
    public void ELIG_RATIO_billed_benefit_against_the_burden_in_force()
    {
        // Eligibility says 20% burden (benefit 80); the receipt bills 70: 10% of 4,000 yen at stake.
        var w = new World().Apply(new EligibilityArrived(Eligible(burden: 20))).Apply(Receipt(1, [Line(Revisit), Line(Revisit, 1, 2u), Line(Urine, 1, 4u), Line(Prescription)]));
        Assert.Equal(240, Assert.Single(w.Open("ELIG-RATIO")).YenAtStake); // (73+73+26+68) = 240 points = 2,400 yen × 10%
        // A change row from the 1st of the month moves the burden: the latest row in force wins.
        w.Apply(new EligibilityArrived(Eligible(from: 20240401, burden: 30, kind: EligibilityEventKind.Change)));
        Assert.Empty(w.Open("ELIG-RATIO"));
    }

    [Fact]
    public void THIRD_injury_without_a_report_closes_when_the_report_arrives()
    {
        var w = Covered().Apply(Receipt(1, [Line(Revisit)], diagnoses: [Injury]));
        Assert.Equal(730, Assert.Single(w.Open("THIRD")).YenAtStake);
        w.Apply(new ThirdPartyReportArrived(new ThirdPartyReport(Card, "01", 20240410, "交通事故", 0)));
        Assert.Empty(w.Open("THIRD"));
        Assert.Equal(FindingState.Resolved, Assert.Single(w.Grain.Findings, f => f.CheckId == "THIRD").State);
    }

    [Fact]
    public void JUDO_many_parts_and_days_and_a_long_injury()
    {
        static JudoClaim Claim(int parts, int days, int injury) => new("5010001", new YearMonth(202405), 1, Card, "01", 19700101, 1,
            new YearMonth(202404), injury, "S934", parts, (uint)((1L << days) - 1), 12_340, 3_700, 0);
        Assert.Equal(12_340, Assert.Single(Covered().Apply(new JudoClaimArrived(Claim(3, 15, 20240401))).Open("JUDO")).YenAtStake);
        Assert.Empty(Covered().Apply(new JudoClaimArrived(Claim(3, 14, 20240401))).Open("JUDO"));
        Assert.Empty(Covered().Apply(new JudoClaimArrived(Claim(2, 20, 20231101))).Open("JUDO"));   // 5 months: not longer than 5
        Assert.Single(Covered().Apply(new JudoClaimArrived(Claim(2, 20, 20231001))).Open("JUDO"));  // 6 months
    }

    [Fact]
    public void VISITS_one_disease_at_three_providers_and_fifteen_days_at_one()
    {
        var w = Covered().Apply(Receipt(1, [Line(Revisit)], provider: Clinic), Receipt(1, [Line(Revisit)], provider: Clinic2),
            Receipt(1, [Line(Revisit)], provider: Clinic3, diagnoses: [Hypertension, Cold]));
        Assert.Contains(Cold, Assert.Single(w.Open("VISITS")).Id);
        Assert.Single(Covered().Apply(Receipt(1, [Line(Revisit, 15)], days: 15)).Open("VISITS"));
        Assert.Empty(Covered().Apply(Receipt(1, [Line(Revisit, 14)], days: 14)).Open("VISITS"));
    }

    [Fact]
    public void ROUTE_by_points_and_kind()
    {
        var expert = Receipt(1, [Line(Admission, 30), Line(Admission, 13)], provider: Hospital, inpatient: true); // 70,950 points
        var f = Assert.Single(Covered().Apply(expert).Open("ROUTE"));
        Assert.Contains("審査専門部会", f.Detail);
        Assert.Equal(709_500, f.YenAtStake);
        var special = Receipt(1, [Line(Admission, 31), Line(Admission, 31), Line(Admission, 31), Line(Admission, 31), Line(Admission, 31),
            Line(Admission, 31), Line(Admission, 31), Line(Admission, 31)], provider: Hospital, inpatient: true); // 409,200 points
        Assert.Contains("特別審査", Assert.Single(Covered().Apply(special).Open("ROUTE")).Detail);
        Assert.Empty(Covered().Apply(expert with { Kind = ClaimKind.Dental, ReceiptType = "3112" }).Open("ROUTE")); // 歯科: 200,000
    }

    [Fact]
    public void TOTAL_declared_against_lines()
    {
        var w = Covered().Apply(Receipt(1, [Line(Revisit)], declared: 80));
        Assert.Equal(70, Assert.Single(w.Open("TOTAL")).YenAtStake); // 80 − 73 = 7 points
    }

    [Fact]
    public void CHK_VISIT_waits_on_a_timer_until_ten_months_after_the_checkup()
    {
        var exam = new Checkup(Card, "01", 20240115, 7.0m, null, 120, 80, null, null, null, null, 0);
        var w = new World(Context(asOf: 202410)).Apply(new EligibilityArrived(Eligible()), new CheckupArrived(exam));
        Assert.Empty(w.Open("CHK-VISIT"));
        Assert.Equal(new YearMonth(202411), w.Grain.NextDue);
        Assert.True(w.Partials.ChangedTimers[(202411, Card.Key)]);

        // The clock reaches 2024-11 (what a ClockAdvanced does on the shard): the finding opens, no timer is left.
        w.Context = Context(asOf: 202411);
        w.Grain.Review(w.Partials, w.Context);
        var f = Assert.Single(w.Open("CHK-VISIT"));
        Assert.Equal(new YearMonth(202411), f.ServiceMonth);
        Assert.Null(w.Grain.NextDue);
        Assert.False(w.Partials.ChangedTimers[(202411, Card.Key)]); // removed: the checkpoint deletes its row

        // A 医科 visit within the window (even arriving late) closes it.
        w.Apply(Receipt(1, [Line(Revisit)], month: 202406));
        Assert.Empty(w.Open("CHK-VISIT"));
        // Someone no longer insured on the card when the window ends is not this insurer's to follow up.
        var left = new World(Context(asOf: 202411)).Apply(new EligibilityArrived(Eligible(to: 20240831)), new CheckupArrived(exam));
        Assert.Empty(left.Open("CHK-VISIT"));
        // A normal result never waits.
        Assert.Null(new World(Context(202401)).Apply(new CheckupArrived(exam with { HbA1c = 5.5m })).Grain.NextDue);
    }

    [Fact]
    public void DM_DROP_after_three_months_without_a_diabetes_claim()
    {
        var w = new World(Context(asOf: 202405)).Apply(new EligibilityArrived(Eligible())).Apply(Receipt(1, [Line(Revisit)], month: 202403, diagnoses: [Diabetes]));
        Assert.Empty(w.Open("DM-DROP"));
        Assert.Equal(new YearMonth(202406), w.Grain.NextDue);
        w.Context = Context(asOf: 202406);
        w.Grain.Review(w.Partials, w.Context);
        Assert.Single(w.Open("DM-DROP"));
        w.Apply(Receipt(1, [Line(Revisit)], month: 202405, diagnoses: [Diabetes])); // a later diabetes claim moves the window
        Assert.Empty(w.Open("DM-DROP"));
        Assert.Equal(new YearMonth(202408), w.Grain.NextDue);
    }

    [Fact]
    public void CARE_HOSP_care_days_inside_a_stay_put_the_overlapping_benefit_at_stake()
    {
        var stay = Receipt(1, [Line(Admission, 4, 0b1111u)], provider: Hospital, inpatient: true, days: 4);         // days 1–4
        var care = new CareClaimHeld(Card, "01", new CareClaim("041001", "0000012345", "0470100001", new YearMonth(202404), "11",
            0b111100u, 1_000, 10.00m, 90, 1_000, 0));                                                                   // days 3–6
        var f = Assert.Single(Covered().Apply(stay).Apply(new CareClaimArrived(care)).Open("CARE-HOSP"));
        Assert.Equal(4_500, f.YenAtStake); // 1,000 units × 10.00 yen = 10,000 × 90% = 9,000 over 4 days; 2 overlap → 4,500
    }

    [Fact]
    public void A_withdrawn_care_claim_leaves_the_stay()
    {
        var stay = Receipt(1, [Line(Admission, 4, 0b1111u)], provider: Hospital, inpatient: true, days: 4);         // days 1–4
        var claim = new CareClaim("041001", "0000012345", "0470100001", new YearMonth(202404), "11", 0b111100u, 1_000, 10.00m, 90, 1_000, 0);
        var w = Covered().Apply(stay).Apply(new CareClaimArrived(new CareClaimHeld(Card, "01", claim)));
        Assert.Single(w.Open("CARE-HOSP"));

        // Another claim's key (another service type) withdraws nothing; the claim's own key withdraws it.
        w.Apply(new CareClaimWithdrawn(Card, "041001", "0000012345", "0470100001", new YearMonth(202404), "15"));
        Assert.Single(w.Open("CARE-HOSP"));
        w.Apply(new CareClaimWithdrawn(Card, "041001", "0000012345", "0470100001", new YearMonth(202404), "11"));
        Assert.Empty(w.Open("CARE-HOSP"));
        Assert.Equal(FindingState.Resolved, Assert.Single(w.Grain.Findings, f => f.CheckId == "CARE-HOSP").State);
        Assert.Empty(w.Grain.CareClaims);
    }

    [Fact]
    public void Every_catalogue_check_is_run()
    {
        Assert.Equal(["ELIG-NONE", "ELIG-RATIO", "DUP", "TOTAL", "VERT", "HORZ", "MATCH", "CARE-HOSP", "JUDO", "VISITS", "DRUGS", "THIRD", "ROUTE",
            "CHK-VISIT", "DM-DROP"], Review.ReviewEngine.CheckIds);
    }
}

/// <summary>Review decisions (査定・返戻・原審・復活) on a household's receipts, in either order with the receipt.</summary>
public class DecisionTests
{
    private static Rollups.KpiCounters Total(World w) => w.Partials.Kpis.Sum(Months.All, _ => true);

    private static LogRecord Decision(int no, DecisionKind kind, int cut = 0, string provider = Clinic) =>
        new DecisionArrived(Card, new ReviewDecision(new ReceiptKey(provider, new YearMonth(202405), no), kind, cut, 0));

    [Fact]
    public void An_assessment_cuts_points_and_cost_and_counts_once_whichever_comes_first()
    {
        var receipt = new ReceiptArrived(Receipt(1, [Line(Revisit, 2), Line(Urine)])); // 172 points
        var cut = Decision(1, DecisionKind.Assessed, 26);
        foreach (var order in new[] { new[] { receipt, cut }, [cut, receipt], [receipt, cut, cut] })
        {
            var t = Total(new World().Apply(new EligibilityArrived(Eligible())).Apply(order));
            Assert.Equal(new Rollups.KpiCounters(1, 1, 146, 1_460, 0, 0, Assessed: 1, AssessedPoints: 26, VisitReceipts: 1), t);
        }
    }

    [Fact]
    public void A_restoration_undoes_the_cut_and_a_return_takes_the_receipt_out_of_KPIs_and_findings()
    {
        var w = new World().Apply(new EligibilityArrived(Eligible()))
            .Apply(Receipt(1, [Line(Revisit)]), Receipt(2, [Line(Revisit)]))
            .Apply(Decision(1, DecisionKind.Assessed, 10), Decision(1, DecisionKind.Restored));
        Assert.Equal(146, Total(w).Points);
        Assert.Equal(0, Total(w).Assessed);
        Assert.Single(w.Open("DUP"));

        w.Apply(Decision(2, DecisionKind.Returned));
        Assert.Equal(new Rollups.KpiCounters(1, 1, 73, 730, 0, 0, Returned: 1, VisitReceipts: 1), Total(w));
        Assert.Empty(w.Open("DUP"));
        Assert.Equal(FindingState.Withdrawn, Assert.Single(w.Grain.Findings, f => f.CheckId == "DUP").State);
        // 原審 changes nothing.
        w.Apply(Decision(1, DecisionKind.Upheld));
        Assert.Equal(73, Total(w).Points);
    }

    [Fact]
    public void Decisions_survive_the_snapshot()
    {
        var w = new World().Apply(Receipt(1, [Line(Revisit, 2)])).Apply(Decision(1, DecisionKind.Assessed, 20), Decision(2, DecisionKind.Returned));
        var bytes = GrainCodec.Encode(w.Grain.ToSnapshot());
        var back = Households.HouseholdGrain.FromSnapshot(GrainCodec.DecodeSnapshot(bytes), w.Context.Masters);
        Assert.Equal(bytes, GrainCodec.Encode(back.ToSnapshot()));
        Assert.Equal(20, back.DecisionsOf(new ReceiptKey(Clinic, new YearMonth(202405), 1)).PointsCut);
        Assert.True(back.DecisionsOf(new ReceiptKey(Clinic, new YearMonth(202405), 2)).Returned);
    }
}

/// <summary>高額療養費 and 高額介護合算療養費 computed by the household from its receipts, eligibility and care claims.</summary>
public class HouseholdHighCostTests
{
    private static Receipt Stay(int month, int pointsPerDay = 10_000, int days = 10) =>
        Receipt(month % 100, [new ServiceLine(LineKind.Procedure, "90", Admission, null, pointsPerDay, days, (uint)((1L << days) - 1))],
            provider: Hospital, month: month, inpatient: true, days: days);

    [Fact]
    public void A_100000_point_stay_under_ウ_pays_212570()
    {
        var w = new World().Apply(new EligibilityArrived(Eligible(burden: 30, incomeClass: "ウ"))).Apply(Stay(202408));
        var row = Assert.Single(w.Grain.HighCost);
        // cost 1,000,000; copay 300,000; cap 80,100 + (1,000,000 − 267,000) × 1% = 87,430
        Assert.Equal((1_000_000L, 300_000L, 87_430L, 212_570L, false), (row.CostYen, row.CopayYen, row.CapYen, row.PayableYen, row.Tasuu));
        Assert.Equal(row, w.Partials.ChangedHighCost[(Card.Key, new YearMonth(202408))]);
    }

    [Fact]
    public void A_receipt_far_beyond_the_checks_window_keeps_the_high_cost_of_the_months_before_it()
    {
        // The checks read 12 months back from a new receipt; 高額療養費 must still cover the whole history.
        var w = new World().Apply(new EligibilityArrived(Eligible(burden: 30, incomeClass: "ウ"))).Apply(Stay(202201));
        var before = Assert.Single(w.Grain.HighCost);
        Assert.Equal(212_570L, before.PayableYen); // as the 100,000-point stay above
        w.Apply(Receipt(1, [Line(Revisit)], month: 202406));
        Assert.Equal([before], w.Grain.HighCost.ToList());
        Assert.Equal(before, w.Partials.ChangedHighCost[(Card.Key, new YearMonth(202201))]);
    }

    [Fact]
    public void The_fourth_stay_within_twelve_months_uses_the_tasuu_cap_and_an_earlier_month_arriving_late_moves_it()
    {
        var w = new World().Apply(new EligibilityArrived(Eligible(burden: 30, incomeClass: "ウ")))
            .Apply(Stay(202401), Stay(202402), Stay(202404));
        Assert.All(w.Grain.HighCost, r => Assert.False(r.Tasuu));
        w.Apply(Stay(202403)); // now 2024-04 is the 4th: cap 44,400, payable 300,000 − 44,400
        var april = w.Grain.HighCost.Single(r => r.Month == new YearMonth(202404));
        Assert.Equal((true, 44_400L, 255_600L), (april.Tasuu, april.CapYen, april.PayableYen));
    }

    [Fact]
    public void Combined_care_adds_the_years_care_copays_to_what_the_household_bore()
    {
        var care = new CareClaimHeld(Card, "01", new CareClaim("041001", "0000012345", "0470100001", new YearMonth(202409), "11",
            1u, 1_000, 10m, 90, 600_000, 0));
        var w = new World().Apply(new EligibilityArrived(Eligible(burden: 30, incomeClass: "ウ"))).Apply(Stay(202408)).Apply(new CareClaimArrived(care));
        var year = Assert.Single(HighCost.HouseholdHighCost.ComputeAll(w.Grain.Facts()).Yearly);
        // borne after 高額療養費 87,430 + care 600,000 = 687,430; cap (ウ) 670,000 → 17,430 (> 500),
        // split: medical 17,430 × 87,430 / 687,430 = 2,216 (rounded down), care the rest 15,214
        Assert.Equal((2024, 87_430L, 600_000L, 670_000L, 17_430L, 2_216L, 15_214L),
            (year.Year, year.MedicalBorneYen, year.CareCopayYen, year.CapYen, year.PayableYen, year.MedicalShareYen, year.CareShareYen));
    }

    [Fact]
    public void A_withdrawn_care_claim_leaves_the_years_combined_care()
    {
        // The year above: 17,430 payable with the care claim; without it the household bore 87,430 alone, under the
        // 670,000 cap, and nothing is payable.
        var care = new CareClaim("041001", "0000012345", "0470100001", new YearMonth(202409), "11", 1u, 1_000, 10m, 90, 600_000, 0);
        var w = new World().Apply(new EligibilityArrived(Eligible(burden: 30, incomeClass: "ウ"))).Apply(Stay(202408))
            .Apply(new CareClaimArrived(new CareClaimHeld(Card, "01", care)));
        Assert.Equal(17_430, Assert.Single(HighCost.HouseholdHighCost.ComputeAll(w.Grain.Facts()).Yearly).PayableYen);
        w.Apply(new CareClaimWithdrawn(Card, care.InsurerNo, care.InsuredNo, care.ProviderNo, care.ServiceMonth, care.ServiceType));
        Assert.DoesNotContain(HighCost.HouseholdHighCost.ComputeAll(w.Grain.Facts()).Yearly, y => y.CareCopayYen != 0 || y.PayableYen != 0);
    }
}
