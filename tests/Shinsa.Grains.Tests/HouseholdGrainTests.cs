using Shinsa.Grains.Findings;
using Shinsa.Grains.Households;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Tests;

public class HouseholdGrainTests
{
    private static KpiCounters Total(KpiRollup rollup) => rollup.Sum(Months.All, _ => true);

    [Fact]
    public void A_receipt_counts_once_in_its_cell_with_cost_at_ten_yen_a_point()
    {
        var grain = new HouseholdGrain(Receipts.Card);
        var rollup = new KpiRollup();
        grain.Apply(new ReceiptArrived(Receipts.Make(1, 350, [(288, 1), (31, 2)], days: 2)), rollup);

        var cells = rollup.Cells();
        Assert.Single(cells);
        Assert.Equal(new KpiKey(new YearMonth(202404), new YearMonth(202405), "06040011", "0110001"), cells[0].Key);
        Assert.Equal(new KpiCounters(1, 2, 350, 3_500, 0, 0, VisitReceipts: 1), cells[0].Value);
    }

    [Fact]
    public void Total_mismatch_opens_a_TOTAL_finding_worth_the_difference_in_yen()
    {
        var grain = new HouseholdGrain(Receipts.Card);
        var rollup = new KpiRollup();
        // lines: 288×1 + 73×2 = 434; declared 500 → 66 points = 660 yen at stake.
        grain.Apply(new ReceiptArrived(Receipts.Make(7, 500, [(288, 1), (73, 2)])), rollup);

        var finding = Assert.Single(grain.Findings);
        Assert.Equal("TOTAL", finding.CheckId);
        Assert.Equal(660, finding.YenAtStake);
        Assert.Equal(FindingState.Open, finding.State);
        Assert.Equal(new ReceiptKey("0110001", new YearMonth(202405), 7), Assert.Single(finding.Receipts));
        Assert.Equal(1, Total(rollup).Findings);
        Assert.Equal(660, Total(rollup).FindingYen);
    }

    [Fact]
    public void A_consistent_replacement_removes_the_finding_and_the_earlier_contribution()
    {
        var grain = new HouseholdGrain(Receipts.Card);
        var rollup = new KpiRollup();
        grain.Apply(new ReceiptArrived(Receipts.Make(7, 500, [(288, 1), (73, 2)])), rollup);
        grain.Apply(new ReceiptArrived(Receipts.Make(7, 434, [(288, 1), (73, 2)], days: 3)), rollup);

        Assert.Empty(grain.OpenFindings);
        Assert.Equal(FindingState.Resolved, Assert.Single(grain.Findings).State);
        Assert.Equal(new KpiCounters(1, 3, 434, 4_340, 0, 0, VisitReceipts: 1), Total(rollup));
    }

    [Fact]
    public void Applying_the_same_receipt_twice_changes_nothing()
    {
        var once = new KpiRollup();
        var twice = new KpiRollup();
        var receipt = Receipts.Make(3, 100, [(100, 1)]);
        new HouseholdGrain(Receipts.Card).Apply(new ReceiptArrived(receipt), once);
        var grain = new HouseholdGrain(Receipts.Card);
        grain.Apply(new ReceiptArrived(receipt), twice);
        grain.Apply(new ReceiptArrived(receipt), twice);
        Assert.Equal(once.Cells(), twice.Cells());
        Assert.Equal(1, grain.ReceiptCount);
    }

    [Fact]
    public void A_receipt_for_another_card_is_refused()
    {
        var grain = new HouseholdGrain(Receipts.Card);
        var other = Receipts.Make(1, 10, [(10, 1)], card: new HouseholdCard("06040011", "12", "999"));
        Assert.Throws<ArgumentException>(() => grain.Apply(new ReceiptArrived(other), new KpiRollup()));
    }

    private static readonly Checkup Exam = new(Receipts.Card, "01", 20240611, 6.8m, null, 152, 88, 71.5m, 141, 24.3m, null, 7);
    private static readonly ThirdPartyReport Report = new(Receipts.Card, "01", 20240701, "交通事故", 3);
    private static readonly JudoClaim Judo = new("5010000", YearMonth.Of(2024, 6), 1, Receipts.Card, "02", 19800203, 2, YearMonth.Of(2024, 5),
        20240420, "S934", 3, 0b111, 24_500, 7_350, 4);

    [Fact]
    public void Checkups_reports_and_judo_claims_are_held_and_a_resent_one_replaces_the_earlier()
    {
        var grain = new HouseholdGrain(Receipts.Card);
        var rollup = new KpiRollup();
        foreach (LogRecord r in new LogRecord[]
                 {
                     new CheckupArrived(Exam), new CheckupArrived(Exam with { HbA1c = 7.1m, SourceLine = 9 }),
                     new ThirdPartyReportArrived(Report), new ThirdPartyReportArrived(Report with { SourceLine = 5 }),
                     new JudoClaimArrived(Judo), new JudoClaimArrived(Judo with { Parts = 2 }),
                 })
            grain.Apply(r, rollup);

        Assert.Equal(7.1m, Assert.Single(grain.Checkups).HbA1c);
        Assert.Single(grain.ThirdPartyReports);
        Assert.Equal(2, Assert.Single(grain.JudoClaims).Parts);
        Assert.Equal(0, Total(rollup).Receipts); // 柔整 and check-ups are not 医療 receipts in the KPI summary
    }

    [Fact]
    public void New_log_records_round_trip_through_the_codec()
    {
        foreach (var record in new LogRecord[] { new CheckupArrived(Exam), new ThirdPartyReportArrived(Report), new JudoClaimArrived(Judo) })
            Assert.Equal(record, GrainCodec.DecodeRecord(GrainCodec.Encode(record)));
    }

    [Fact]
    public void Snapshot_round_trip_through_the_codec_restores_an_equal_grain()
    {
        var grain = new HouseholdGrain(Receipts.Card);
        var rollup = new KpiRollup();
        grain.Apply(new ReceiptArrived(Receipts.Make(1, 500, [(288, 1), (73, 2)])), rollup);
        grain.Apply(new ReceiptArrived(Receipts.Make(2, 100, [(100, 1)], service: 202403)), rollup);
        grain.Apply(new EligibilityArrived(new EligibilityEvent(EligibilityEventKind.Acquire, "P1", "H1", Receipts.Card, "01",
            19600101, 1, 20200401, null, 30, "ウ", InsuranceSystem.Kokuho, 2)), rollup);
        grain.Apply(new CheckupArrived(Exam), rollup);
        grain.Apply(new ThirdPartyReportArrived(Report), rollup);
        grain.Apply(new JudoClaimArrived(Judo), rollup);

        var bytes = GrainCodec.Encode(grain.ToSnapshot());
        var restored = HouseholdGrain.FromSnapshot(GrainCodec.DecodeSnapshot(bytes), Masters.ReferenceMasters.Empty);

        Assert.Equal(bytes, GrainCodec.Encode(restored.ToSnapshot()));
        Assert.Equal(Judo with { SourceLine = 0 }, Assert.Single(restored.JudoClaims));
        // The restored grain keeps acting like the original: replacing receipt 1 retracts its finding.
        restored.Apply(new ReceiptArrived(Receipts.Make(1, 434, [(288, 1), (73, 2)])), rollup);
        Assert.DoesNotContain(restored.OpenFindings, f => f.CheckId == "TOTAL");
        Assert.Equal(2, Total(rollup).Receipts);
        Assert.Equal(534, Total(rollup).Points);
    }

    [Fact]
    public void Log_records_round_trip_through_the_codec_with_their_type()
    {
        LogRecord record = new ReceiptArrived(Receipts.Make(1, 500, [(288, 1), (73, 2)]));
        var back = GrainCodec.DecodeRecord(GrainCodec.Encode(record));
        var receipt = Assert.IsType<ReceiptArrived>(back).Receipt;
        var original = ((ReceiptArrived)record).Receipt;
        Assert.Equal(original.Key, receipt.Key);
        Assert.Equal(original.Lines.ToArray(), receipt.Lines.ToArray());
        Assert.Equal(original with { Lines = receipt.Lines, PublicExpenses = receipt.PublicExpenses, Diagnoses = receipt.Diagnoses }, receipt);
    }
}

public class GrainCodecTests
{
    [Fact]
    public void Every_receipt_field_survives_the_codec()
    {
        var receipt = Receipts.Make(9, 500, [(288, 1), (73, 2)]) with
        {
            Branch = null,
            BenefitRatio = null,
            AdmissionDate = 20240403,
            SpecialNotes = "0102",
            CopayYen = 1_230,
            PrescriberCode = "0412345",
            PublicExpenses = [new PublicExpense("12141024", null, 3, 569, 0)],
            Diagnoses = [new Diagnosis("2500013", 20210801, 1, true), new Diagnosis("0000999", null, 0, false)],
            Lines = [new ServiceLine(LineKind.Drug, null, "620098801", 1.5m, null, 2, 0x8000_0001u), new ServiceLine(LineKind.Material, "40", "710010001", 1m, 13_900, 1, 4u)],
        };
        var back = Assert.IsType<ReceiptArrived>(GrainCodec.DecodeRecord(GrainCodec.Encode(new ReceiptArrived(receipt)))).Receipt;

        Assert.Equal(receipt.Lines.ToArray(), back.Lines.ToArray());
        Assert.Equal(receipt.Diagnoses.ToArray(), back.Diagnoses.ToArray());
        Assert.Equal(receipt.PublicExpenses.ToArray(), back.PublicExpenses.ToArray());
        Assert.Equal(receipt with { Lines = back.Lines, Diagnoses = back.Diagnoses, PublicExpenses = back.PublicExpenses }, back);
    }

    [Fact]
    public void A_receipt_written_by_format_1_still_reads_without_a_prescriber()
    {
        var receipt = Receipts.Make(9, 500, [(288, 1)]);
        var current = GrainCodec.EncodeReceipt(receipt);
        // Format 1 is format 2 without the trailing optional prescriber (one "absent" byte).
        Assert.Equal(0, current[^1]);
        var v1 = current[..^1];
        v1[0] = 1;
        var back = GrainCodec.DecodeReceipt(v1);
        Assert.Null(back.PrescriberCode);
        Assert.Equal(current, GrainCodec.EncodeReceipt(back));
    }

    [Fact]
    public void A_payload_of_an_unknown_format_version_is_refused()
    {
        var bytes = GrainCodec.Encode(new ReceiptArrived(Receipts.Make(1, 10, [(10, 1)])));
        bytes[0] = 99;
        Assert.Throws<InvalidDataException>(() => GrainCodec.DecodeRecord(bytes));
    }
}
