using System.Text;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Csv;

namespace Shinsa.Ingestion.Tests;

/// <summary>The CSV contracts of DOMAIN.md for care claims, check-ups, 傷病届, decisions and 柔整.</summary>
public class InputCsvTests
{
    private static byte[] Csv(params string[] lines) => Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n");

    private static readonly string CareHeader = string.Join(',', CareClaimCsv.Columns);
    private static readonly string CheckupHeader = string.Join(',', CheckupCsv.Columns);
    private static readonly string ThirdHeader = string.Join(',', ThirdPartyReportCsv.Columns);
    private static readonly string DecisionHeader = string.Join(',', DecisionCsv.Columns);
    private static readonly string JudoHeader = string.Join(',', JudoClaimCsv.Columns);

    [Fact]
    public void Good_rows_become_the_records_they_describe()
    {
        var care = CareClaimCsv.Parse(Csv(CareHeader, "041004,0000123456,0410100001,2024-05,11,3;10;17;24,2480,10.90,90,2703,extra"), "care.csv");
        Assert.Equal(new CareClaim("041004", "0000123456", "0410100001", YearMonth.Of(2024, 5), "11", (1u << 2) | (1u << 9) | (1u << 16) | (1u << 23),
            2480, 10.90m, 90, 2703, 2), Assert.Single(care.Rows));

        var checkup = CheckupCsv.Parse(Csv(CheckupHeader, "040014,１２,３４５,01,2024-06-11,6.8,,152,88,71.5,141,24.3,"), "chk.csv");
        Assert.Equal(new Checkup(new HouseholdCard("040014", "12", "345"), "01", 20240611, 6.8m, null, 152, 88, 71.5m, 141, 24.3m, null, 2),
            Assert.Single(checkup.Rows));

        var third = ThirdPartyReportCsv.Parse(Csv(ThirdHeader, "39040012,,10000001,,2024-07-01,交通事故"), "tp.csv");
        Assert.Equal(new ThirdPartyReport(new HouseholdCard("39040012", "", "10000001"), "", 20240701, "交通事故", 2), Assert.Single(third.Rows));

        var decisions = DecisionCsv.Parse(Csv(DecisionHeader, "1010000,2024-06,12,査定,350", "1010000,2024-06,13,返戻,0"), "d.csv");
        Assert.Equal([new ReviewDecision(new ReceiptKey("1010000", YearMonth.Of(2024, 6), 12), DecisionKind.Assessed, 350, 2),
            new ReviewDecision(new ReceiptKey("1010000", YearMonth.Of(2024, 6), 13), DecisionKind.Returned, 0, 3)], decisions.Rows);

        var judo = JudoClaimCsv.Parse(Csv(JudoHeader, "5010000,2024-06,1,040014,12,345,02,1980-02-03,2,2024-05,2024-04-20,S934,3,1;2;3,24500,7350"), "j.csv");
        var claim = Assert.Single(judo.Rows);
        Assert.Equal(new JudoClaim("5010000", YearMonth.Of(2024, 6), 1, new HouseholdCard("040014", "12", "345"), "02", 19800203, 2,
            YearMonth.Of(2024, 5), 20240420, "S934", 3, 0b111, 24500, 7350, 2), claim);
        Assert.Equal(3, claim.TreatmentDays);
    }

    public static TheoryData<string, string, string, string> BadRows => new()
    {
        { "care", CareHeader, "04100,0000123456,0410100001,2024-05,11,3,100,10.00,90,10", "column insurer_no: '04100' is not 6 digits" },
        { "care", CareHeader, "041004,0000123456,0410100001,2024-13,11,3,100,10.00,90,10", "column service_month: '2024-13' is not a month" },
        { "care", CareHeader, "041004,0000123456,0410100001,2024-06,11,3;31,100,10.00,90,10", "column service_days: '3;31' holds '31', not a day of 2024-06" },
        { "care", CareHeader, "041004,0000123456,0410100001,2024-05,11,3,100,12.00,90,10", "column unit_price_yen: '12.00' is not between" },
        { "care", CareHeader, "041004,0000123456,0410100001,2024-05,11,3,100,10.00,75,10", "column benefit_pct: '75' is not 70, 80, 90" },
        { "care", CareHeader, "041004,0000123456,0410100001,2024-05,11,3,-5,10.00,90,10", "column units: '-5' is below 0" },
        { "checkup", CheckupHeader, "040014,12,345,01,2024-02-30,6.8,,152,88,71.5,141,24.3,", "column exam_date: '2024-02-30' is not a date" },
        { "checkup", CheckupHeader, "040014,12,345,01,2024-06-11,abc,,152,88,71.5,141,24.3,", "column hba1c: 'abc' is not a number" },
        { "checkup", CheckupHeader, "040014,12,,01,2024-06-11,6.8,,152,88,71.5,141,24.3,", "column card_number is empty" },
        { "checkup", CheckupHeader, "040014,12,345,01,2024-06-11,6.8,,152,88", "9 columns, expected 13" },
        { "third", ThirdHeader, "040014,12,345,01,2024-07-01,", "column cause is empty" },
        { "decision", DecisionHeader, "1010000,2024-06,12,査定,0", "column points_cut: '0' is 0 on a 査定" },
        { "decision", DecisionHeader, "1010000,2024-06,12,返戻,30", "column points_cut: '30' must be 0 on a 返戻" },
        { "decision", DecisionHeader, "1010000,2024-06,12,却下,0", "column decision: '却下' is not 査定, 返戻, 原審, 復活" },
        { "decision", DecisionHeader, "1010000,2024-06,0,原審,0", "column receipt_no: '0' is below 1" },
        { "judo", JudoHeader, "5010000,2024-06,1,040014,12,345,02,1980-02-03,2,2024-07,2024-04-20,S934,3,1;2,24500,7350", "column service_month: '2024-07' is after billing_month" },
        { "judo", JudoHeader, "5010000,2024-06,1,040014,12,345,02,1980-02-03,2,2024-05,2024-06-20,S934,3,1;2,24500,7350", "column injury_date: '2024-06-20' is after service_month" },
        { "judo", JudoHeader, "5010000,2024-06,1,040014,12,345,02,1980-02-03,2,2024-05,2024-04-20,S934,11,1;2,24500,7350", "column parts: '11' is not between 1 and 10" },
        { "judo", JudoHeader, "5010000,2024-06,1,040014,12,345,02,1980-02-03,2,2024-05,2024-04-20,S934,3,1;2,24500,30000", "column copay_yen: '30000' is more than cost_yen" },
    };

    private static (int Submitted, int Accepted, int Rejected, IReadOnlyList<IngestError> Errors, string? Refusal) ParseAs(string format, byte[] bytes) => format switch
    {
        "care" => Summary(CareClaimCsv.Parse(bytes, "f.csv")),
        "checkup" => Summary(CheckupCsv.Parse(bytes, "f.csv")),
        "third" => Summary(ThirdPartyReportCsv.Parse(bytes, "f.csv")),
        "decision" => Summary(DecisionCsv.Parse(bytes, "f.csv")),
        _ => Summary(JudoClaimCsv.Parse(bytes, "f.csv")),
    };

    private static (int, int, int, IReadOnlyList<IngestError>, string?) Summary<T>(CsvParseResult<T> r) =>
        (r.Submitted, r.Accepted, r.Rejected, r.Errors, r.FileRejectionReason);

    private static readonly Dictionary<string, string> GoodRow = new()
    {
        ["care"] = "041004,0000123456,0410100001,2024-05,11,3,100,10.00,90,10",
        ["checkup"] = "040014,12,345,01,2024-06-11,6.8,,152,88,71.5,141,24.3,",
        ["third"] = "040014,12,345,01,2024-07-01,交通事故",
        ["decision"] = "1010000,2024-06,12,原審,0",
        ["judo"] = "5010000,2024-06,1,040014,12,345,02,1980-02-03,2,2024-05,2024-04-20,S934,3,1;2,24500,7350",
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void A_bad_row_is_rejected_with_its_line_and_column_and_the_rest_is_kept(string format, string header, string row, string reason)
    {
        var (submitted, accepted, rejected, errors, _) = ParseAs(format, Csv(header, GoodRow[format], row, GoodRow[format]));
        Assert.Equal((3, 2, 1), (submitted, accepted, rejected));
        var error = Assert.Single(errors);
        Assert.Equal(3, error.Line);
        Assert.Contains(reason, error.Reason);
    }

    [Theory]
    [InlineData("care")]
    [InlineData("checkup")]
    [InlineData("third")]
    [InlineData("decision")]
    [InlineData("judo")]
    public void A_file_without_its_contract_header_is_refused_whole(string format)
    {
        var (submitted, _, _, _, refusal) = ParseAs(format, Csv("insurer_no,whatever", GoodRow[format]));
        Assert.Equal(0, submitted);
        Assert.Contains("the header must start with", refusal);
        Assert.Contains("not UTF-8", ParseAs(format, [0x82, 0xA0, 0x0D, 0x0A]).Refusal);
    }

    /// <summary>Write then parse gives the records back, over many random records (a property, seeded for repeatability).</summary>
    [Fact]
    public void Every_format_round_trips_through_its_writer()
    {
        var rng = new Random(20261122);
        for (var i = 0; i < 300; i++)
        {
            var month = YearMonth.Of(rng.Next(2018, 2030), rng.Next(1, 13));
            var days = (uint)rng.NextInt64(1, 1L << DateTime.DaysInMonth(month.Year, month.Month));
            var card = new HouseholdCard(rng.Next(2) == 0 ? $"04{rng.Next(10000):D4}" : $"39{rng.Next(1000000):D6}", rng.Next(3) == 0 ? "" : $"{rng.Next(1, 999)}", $"{rng.Next(1, 99999999)}");
            var date = month.Value * 100 + rng.Next(1, 29);
            decimal? Maybe(decimal v) => rng.Next(4) == 0 ? null : v;

            var care = new CareClaim($"04{rng.Next(10000):D4}", $"{rng.NextInt64(10_000_000_000):D10}", $"{rng.NextInt64(10_000_000_000):D10}", month,
                $"{rng.Next(100):D2}", days, rng.Next(100_000), 10m + rng.Next(141) / 100m, 70 + 10 * rng.Next(3), rng.Next(50_000), 2);
            Assert.Equal(care, Assert.Single(CareClaimCsv.Parse(CareClaimCsv.Write([care]), "x").Rows));

            var checkup = new Checkup(card, $"{rng.Next(100):D2}", date, Maybe(4 + rng.Next(100) / 10m), rng.Next(4) == 0 ? null : rng.Next(60, 300),
                rng.Next(4) == 0 ? null : rng.Next(80, 220), rng.Next(4) == 0 ? null : rng.Next(40, 130), Maybe(rng.Next(1000) / 10m),
                rng.Next(4) == 0 ? null : rng.Next(40, 300), Maybe(15 + rng.Next(300) / 10m), Maybe(60 + rng.Next(800) / 10m), 2);
            Assert.Equal(checkup, Assert.Single(CheckupCsv.Parse(CheckupCsv.Write([checkup]), "x").Rows));

            var report = new ThirdPartyReport(card, "01", date, rng.Next(2) == 0 ? "交通事故" : "他人による傷害", 2);
            Assert.Equal(report, Assert.Single(ThirdPartyReportCsv.Parse(ThirdPartyReportCsv.Write([report]), "x").Rows));

            var kind = (DecisionKind)rng.Next(1, 5);
            var decision = new ReviewDecision(new ReceiptKey($"{rng.Next(10_000_000):D7}", month, rng.Next(1, 99999)), kind,
                kind == DecisionKind.Assessed ? rng.Next(1, 5000) : 0, 2);
            Assert.Equal(decision, Assert.Single(DecisionCsv.Parse(DecisionCsv.Write([decision]), "x").Rows));

            var cost = rng.Next(100_000);
            var judo = new JudoClaim($"{rng.Next(10_000_000):D7}", month.AddMonths(rng.Next(3)), rng.Next(1, 9999), card, "01",
                19_300_101 + rng.Next(90) * 10_000, (byte)rng.Next(1, 3), month, month.AddMonths(-rng.Next(12)).Value * 100 + rng.Next(1, 29),
                $"S{rng.Next(1000):D3}", rng.Next(1, 11), days, cost, rng.Next(cost + 1), 2);
            Assert.Equal(judo, Assert.Single(JudoClaimCsv.Parse(JudoClaimCsv.Write([judo]), "x").Rows));
        }
    }
}
