using System.Text;
using Shinsa.Grains;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Text;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Ingestion.Tests;

public class UkeParserTests
{
    [Fact]
    public void The_real_sample_gives_75_consistent_receipts_and_a_GO_warning()
    {
        var result = UkeParser.Parse(SampleFile.Bytes, "RECEIPTC.UKE");

        Assert.False(result.IsFileRejected);
        Assert.Equal((75, 75, 0), (result.Submitted, result.Accepted, result.Rejected));
        Assert.Equal(86_392, result.Points);
        Assert.Empty(result.Errors);
        Assert.All(result.Receipts, r => Assert.Equal(r.DeclaredPoints, r.ComputedPoints));
        Assert.Contains(result.Warnings, w => w.Contains("140") && w.Contains("75"));
        Assert.Equal(ClaimKind.Medical, result.Kind);
        Assert.Equal("0000000", result.ProviderCode);
        Assert.Equal(YearMonth.Of(2021, 11), result.BillingMonth);

        // First receipt, read off the file by eye: RE,1,1122,202110,…,1,19911121 / HO,01010016,１,１,1,13642
        var first = result.Receipts[0];
        Assert.Equal(new ReceiptKey("0000000", YearMonth.Of(2021, 11), 1), first.Key);
        Assert.Equal(new HouseholdCard("01010016", "1", "1"), first.Card);
        Assert.Equal(("1122", 1, 19911121, 13_642, 1), (first.ReceiptType, (int)first.Sex, first.BirthDate, first.DeclaredPoints, first.Days));
        Assert.Equal("テストハンヨウ", first.KanaName);
        Assert.Equal(3, first.Diagnoses.Length);
        Assert.Equal("2500013", first.Diagnoses[0].Code);
        Assert.True(first.Diagnoses[0].IsPrimary);
        var firstLine = first.Lines[0];
        Assert.Equal((LineKind.Procedure, "11", "111000110", 288, 1), (firstLine.Kind, firstLine.Division, firstLine.Code, firstLine.Points!.Value, firstLine.Times));
        Assert.Equal(1u << 0, firstLine.DayMask); // 算定日: day 1 (field 14) holds 1
        Assert.False(first.IsInpatient);
    }

    [Fact]
    public void Public_expense_only_receipts_are_keyed_by_their_KO_record()
    {
        var result = UkeParser.Parse(SampleFile.Bytes, "RECEIPTC.UKE");
        var kohiOnly = result.Receipts.Where(r => r.ReceiptType.StartsWith("12")).ToList();
        Assert.Equal(6, kohiOnly.Count); // six 1212 receipts in the sample
        Assert.All(kohiOnly, r =>
        {
            Assert.Equal(r.PublicExpenses[0].PayerNo, r.Card.InsurerNo);
            Assert.Equal(r.PublicExpenses[0].Points, r.DeclaredPoints);
        });
    }

    private static void AssertAccountedFor(UkeParseResult result, int submitted)
    {
        Assert.Equal(submitted, result.Submitted);
        Assert.Equal(result.Submitted, result.Accepted + result.Rejected);
    }

    [Fact]
    public void A_broken_SI_line_rejects_only_its_receipt_with_the_line_and_field()
    {
        var lines = SampleFile.Lines();
        var target = lines.FindIndex(SampleFile.NthReceipt(lines, 7), l => l.StartsWith("SI,"));
        var fields = lines[target].Split(',');
        fields[6] = "x1";
        lines[target] = string.Join(',', fields);

        var result = UkeParser.Parse(SampleFile.Join(lines), "broken.UKE");
        AssertAccountedFor(result, 75);
        Assert.Equal(1, result.Rejected);
        var error = Assert.Single(result.Errors);
        Assert.Equal(target + 1, error.Line);
        Assert.Equal("SI field 7 回数: 'x1' is not a number", error.Reason);
        Assert.DoesNotContain(result.Receipts, r => r.Key.ReceiptNo == 7);
    }

    [Fact]
    public void A_truncated_file_rejects_the_receipt_cut_in_the_middle_of_a_line()
    {
        var lines = SampleFile.Lines();
        var cutLine = lines.FindIndex(SampleFile.NthReceipt(lines, 40), l => l.StartsWith("SI,"));
        var head = SampleFile.Join(lines.Take(cutLine));
        var partial = InputText.ShiftJis.GetBytes(lines[cutLine][..12]); // "SI,11,2,1110" — cut inside the code
        var result = UkeParser.Parse([.. head, .. partial], "truncated.UKE");

        AssertAccountedFor(result, 40);
        var error = Assert.Single(result.Errors);
        Assert.Equal(cutLine + 1, error.Line);
        Assert.Contains("SI has 4 fields", error.Reason);
        Assert.Contains(result.Warnings, w => w.Contains("no GO"));
    }

    [Fact]
    public void Invalid_Shift_JIS_bytes_reject_the_receipt_of_that_line()
    {
        var lines = SampleFile.Lines();
        var target = lines.FindIndex(SampleFile.NthReceipt(lines, 3), l => l.StartsWith("SY,"));
        var before = SampleFile.Join(lines.Take(target));
        var bad = InputText.ShiftJis.GetBytes("SY,0000999,20210909,1,,");
        var after = SampleFile.Join(lines.Skip(target + 1));
        // 0x81 is a lead byte; 0x20 cannot follow it in CP932. 0xFF is never valid.
        var result = UkeParser.Parse([.. before, .. bad, 0x81, 0x20, 0xFF, .. ",,\r\n"u8, .. after], "badbytes.UKE");

        AssertAccountedFor(result, 75);
        var error = Assert.Single(result.Errors);
        Assert.Equal(target + 1, error.Line);
        Assert.StartsWith("invalid Shift_JIS byte", error.Reason);
        Assert.DoesNotContain(result.Receipts, r => r.Key.ReceiptNo == 3);
    }

    [Fact]
    public void An_unknown_record_type_rejects_the_receipt_it_is_in()
    {
        var lines = SampleFile.Lines();
        var at = SampleFile.NthReceipt(lines, 5) + 2;
        lines.Insert(at, "ZZ,1,2,3");
        var result = UkeParser.Parse(SampleFile.Join(lines), "unknown.UKE");

        AssertAccountedFor(result, 75);
        var error = Assert.Single(result.Errors);
        Assert.Equal(at + 1, error.Line);
        Assert.Equal("unknown record type 'ZZ'", error.Reason);
    }

    [Fact]
    public void A_10_MB_line_is_refused_without_losing_the_rest()
    {
        var lines = SampleFile.Lines();
        var at = SampleFile.NthReceipt(lines, 10) + 1;
        lines.Insert(at, "CO,22,2,810000001," + new string('A', 10 * 1024 * 1024));
        var result = UkeParser.Parse(SampleFile.Join(lines), "huge.UKE");

        AssertAccountedFor(result, 75);
        var error = Assert.Single(result.Errors);
        Assert.Equal(at + 1, error.Line);
        Assert.Contains("longer than the 65536-byte limit", error.Reason);
        Assert.Equal(74, result.Accepted);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello\r\nworld\r\n")]
    [InlineData("RE,1,1122,202110\r\n")]
    [InlineData("IR,1,12,1,ABC,,,202111,00\r\n")]
    public void Something_that_is_not_a_claim_file_is_rejected_as_a_whole(string text)
    {
        var result = UkeParser.Parse(Encoding.UTF8.GetBytes(text), "x.UKE");
        Assert.True(result.IsFileRejected);
        Assert.Equal(0, result.Submitted);
        Assert.False(string.IsNullOrWhiteSpace(result.FileRejectionReason));
    }

    [Fact]
    public void Binary_garbage_is_rejected_as_a_whole()
    {
        var random = new Random(7);
        var bytes = new byte[4096];
        random.NextBytes(bytes);
        Assert.True(UkeParser.Parse(bytes, "x.bin").IsFileRejected);
    }

    public static TheoryData<string, string> Encodings => new()
    {
        { "shift_jis", "\r\n" }, { "shift_jis", "\n" }, { "shift_jis", "\r" }, { "shift_jis", "\u0085" },
        { "utf-8", "\r\n" }, { "utf-8", "\n" }, { "utf-8", "\u0085" }, { "utf-8-bom", "\r\n" },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Every_encoding_and_line_end_gives_the_same_receipts(string encoding, string newline)
    {
        var lines = SampleFile.Lines();
        byte[] bytes = encoding switch
        {
            "shift_jis" when newline == "\u0085" => [.. lines.SelectMany(l => InputText.ShiftJis.GetBytes(l).Append((byte)0x85))],
            "shift_jis" => SampleFile.Join(lines, newline),
            "utf-8" => SampleFile.Join(lines, newline, new UTF8Encoding(false)),
            _ => [0xEF, 0xBB, 0xBF, .. SampleFile.Join(lines, newline, new UTF8Encoding(false))],
        };
        var expected = UkeParser.Parse(SampleFile.Bytes, "RECEIPTC.UKE");
        var actual = UkeParser.Parse(bytes, "RECEIPTC.UKE");

        Assert.Empty(actual.Errors);
        Assert.Equal(expected.Receipts.Count, actual.Receipts.Count);
        for (var i = 0; i < expected.Receipts.Count; i++)
            Assert.Equal(GrainCodec.Encode(new ReceiptArrived(expected.Receipts[i])), GrainCodec.Encode(new ReceiptArrived(actual.Receipts[i])));
    }

    [Fact]
    public void Full_width_digits_in_numeric_fields_are_read()
    {
        var lines = SampleFile.Lines();
        var ho = lines.FindIndex(l => l.StartsWith("HO,"));
        lines[ho] = lines[ho].Replace(",13642,", ",１３６４２,");
        var result = UkeParser.Parse(SampleFile.Join(lines), "fw.UKE");
        Assert.Empty(result.Errors);
        Assert.Equal(13_642, result.Receipts[0].DeclaredPoints);
    }

    [Fact]
    public void A_total_mismatch_is_not_an_error()
    {
        var lines = SampleFile.Lines();
        var ho = lines.FindIndex(l => l.StartsWith("HO,"));
        lines[ho] = lines[ho].Replace(",13642,", ",13700,");
        var result = UkeParser.Parse(SampleFile.Join(lines), "mismatch.UKE");
        Assert.Equal(75, result.Accepted);
        Assert.Equal((13_700, 13_642L), (result.Receipts[0].DeclaredPoints, result.Receipts[0].ComputedPoints));
    }

    [Theory]
    [InlineData("202110", 202110)]
    [InlineData("50311", 202111)]   // 令和3年11月
    [InlineData("43104", 201904)]   // 平成31年4月
    [InlineData("４０４１２", 199212)] // 平成4年12月, full-width
    public void Months_are_read_in_western_and_era_forms(string field, int expected)
    {
        Assert.True(UkeDates.TryMonth(field, out var month));
        Assert.Equal(expected, month.Value);
    }

    [Theory]
    [InlineData("20210229")]
    [InlineData("2021131")]
    [InlineData("99")]
    [InlineData("")]
    public void Impossible_dates_are_refused(string field) => Assert.False(UkeDates.TryDate(field, out _));
}
