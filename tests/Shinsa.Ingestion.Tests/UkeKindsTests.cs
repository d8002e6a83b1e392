using System.Collections.Immutable;
using System.Text;
using Shinsa.Grains;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Text;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Ingestion.Tests;

/// <summary>歯科, 調剤 and 訪問看護 files: one parser, the kind read from IR 点数表, each kind's layout table.</summary>
public class UkeKindsTests
{
    private static readonly YearMonth Billing = YearMonth.Of(2024, 6);

    /// <summary>The real sample's receipts, recast as receipts of <paramref name="kind"/> (what that kind can carry).</summary>
    private static List<Receipt> ReceiptsOf(ClaimKind kind)
    {
        var sample = UkeParser.Parse(SampleFile.Bytes, "RECEIPTC.UKE").Receipts;
        return sample.Select((r, i) => r with
        {
            Key = r.Key with { ProviderCode = "7654321", BillingMonth = Billing },
            Kind = kind,
            ReceiptType = $"{(int)kind}{r.ReceiptType[1..3]}{(kind is ClaimKind.Pharmacy or ClaimKind.VisitingNursing ? '2' : r.ReceiptType[3])}",
            AdmissionDate = kind is ClaimKind.Pharmacy or ClaimKind.VisitingNursing ? null : r.AdmissionDate,
            Diagnoses = kind == ClaimKind.Pharmacy ? [] : r.Diagnoses,
            Lines = kind == ClaimKind.VisitingNursing ? r.Lines.Select(l => l with { Kind = LineKind.Procedure }).ToImmutableArray() : r.Lines,
            PrescriberCode = kind == ClaimKind.Pharmacy ? $"{1000000 + i}" : null,
        }).ToList();
    }

    private static byte[] Write(ClaimKind kind, IReadOnlyList<Receipt> receipts) =>
        UkeWriter.Write(new UkeWriter.Provider(kind, "7654321", "04", "テスト", Billing), receipts);

    private static byte[] Canonical(Receipt r) => GrainCodec.Encode(new ReceiptArrived(r with { SourceLine = 0 }));

    [Theory]
    [InlineData(ClaimKind.Dental)]
    [InlineData(ClaimKind.Pharmacy)]
    [InlineData(ClaimKind.VisitingNursing)]
    [InlineData(ClaimKind.Medical)]
    public void Each_kind_round_trips_through_its_layout(ClaimKind kind)
    {
        var receipts = ReceiptsOf(kind);
        var back = UkeParser.Parse(Write(kind, receipts), "k.UKE");

        Assert.Equal(kind, back.Kind);
        Assert.Empty(back.Errors);
        Assert.Empty(back.Warnings);
        Assert.Equal(receipts.Select(Canonical), back.Receipts.Select(Canonical));
        Assert.Equal(86_392, back.Points); // the sample's total survives the recasting, 訪問看護's yen included
    }

    [Fact]
    public void Each_kind_writes_its_own_record_types()
    {
        string Text(ClaimKind kind) => InputText.ShiftJis.GetString(Write(kind, ReceiptsOf(kind)));
        Assert.Contains("\r\nHS,", Text(ClaimKind.Dental));
        Assert.Contains("\r\nSS,", Text(ClaimKind.Dental));
        Assert.DoesNotContain("\r\nSY,", Text(ClaimKind.Dental));
        Assert.Contains("\r\nCZ,", Text(ClaimKind.Pharmacy));
        Assert.DoesNotContain("\r\nSY,", Text(ClaimKind.Pharmacy));
        Assert.Contains("\r\nKA,", Text(ClaimKind.VisitingNursing));
        Assert.DoesNotContain("\r\nSI,", Text(ClaimKind.VisitingNursing));
    }

    [Fact]
    public void Visiting_nursing_amounts_are_yen_in_the_file()
    {
        var receipt = ReceiptsOf(ClaimKind.VisitingNursing)[0];
        var text = InputText.ShiftJis.GetString(Write(ClaimKind.VisitingNursing, [receipt]));
        var ho = text.Split("\r\n").Single(l => l.StartsWith("HO,")).Split(',');
        Assert.Equal((receipt.DeclaredPoints * 10).ToString(), ho[UkeLayout.HO.TotalPoints - 1]);
    }

    /// <summary>Writes the file, lets <paramref name="edit"/> change lines, and parses it again.</summary>
    private static UkeParseResult ParseEdited(ClaimKind kind, Func<string[], string[]> edit)
    {
        var receipts = ReceiptsOf(kind).Take(3).ToList();
        var lines = InputText.ShiftJis.GetString(Write(kind, receipts)).Split("\r\n");
        return UkeParser.Parse(InputText.ShiftJis.GetBytes(string.Join("\r\n", edit(lines))), "edited.UKE");
    }

    private static string[] EditField(string[] lines, string record, int occurrence, int field, string value)
    {
        var seen = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith(record + ",") || seen++ != occurrence) continue;
            var fields = lines[i].Split(',');
            fields[field - 1] = value;
            lines[i] = string.Join(',', fields);
            return lines;
        }
        throw new InvalidOperationException($"no {record} #{occurrence}");
    }

    private static int LineOf(string[] lines, string record, int occurrence) =>
        lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith(record + ",")).ElementAt(occurrence).i + 1;

    [Fact]
    public void A_pharmacy_receipt_without_its_prescriber_is_rejected_and_the_others_kept()
    {
        string[] lines = [];
        var result = ParseEdited(ClaimKind.Pharmacy, l => lines = EditField(l, "RE", 1, UkeLayout.Pharmacy.RE.PrescriberCode!.Value, ""));
        Assert.Equal((3, 2, 1), (result.Submitted, result.Accepted, result.Rejected));
        var error = Assert.Single(result.Errors);
        Assert.Equal(LineOf(lines, "RE", 1), error.Line);
        Assert.Contains("処方 医療機関コード", error.Reason);
    }

    [Fact]
    public void A_visiting_nursing_amount_that_is_not_in_10_yen_units_rejects_its_receipt()
    {
        string[] lines = [];
        var result = ParseEdited(ClaimKind.VisitingNursing, l => lines = EditField(l, "KA", 0, 6, "5555"));
        Assert.Equal((3, 2, 1), (result.Submitted, result.Accepted, result.Rejected));
        var error = Assert.Single(result.Errors);
        Assert.Equal(LineOf(lines, "KA", 0), error.Line);
        Assert.Contains("not a multiple of 10", error.Reason);
    }

    [Fact]
    public void A_receipt_type_of_another_kind_rejects_the_receipt()
    {
        string[] lines = [];
        var result = ParseEdited(ClaimKind.Dental, l => lines = EditField(l, "RE", 2, 3, "1112"));
        Assert.Equal((3, 2, 1), (result.Submitted, result.Accepted, result.Rejected));
        var error = Assert.Single(result.Errors);
        Assert.Equal(LineOf(lines, "RE", 2), error.Line);
        Assert.Contains("is not a 歯科 type (4 digits starting with 3)", error.Reason);
    }

    [Fact]
    public void A_record_of_another_kind_is_unknown_here()
    {
        // SY is 医科's 傷病名; a 調剤 file has none, so an SY line there is a broken receipt, not a silent extra.
        string[] lines = [];
        var result = ParseEdited(ClaimKind.Pharmacy, l =>
        {
            var list = l.ToList();
            list.Insert(LineOf(l, "RE", 0) + 1, "SY,8842965,20240501,1,,,01,");
            return lines = [.. list];
        });
        Assert.Equal((3, 2, 1), (result.Submitted, result.Accepted, result.Rejected));
        var error = Assert.Single(result.Errors);
        Assert.Equal(LineOf(lines, "SY", 0), error.Line);
        Assert.Contains("unknown record type 'SY'", error.Reason);
    }

    [Fact]
    public void An_unknown_point_table_rejects_the_file()
    {
        var text = InputText.ShiftJis.GetString(Write(ClaimKind.Medical, ReceiptsOf(ClaimKind.Medical).Take(1).ToList()));
        var fields = text.Split("\r\n")[0].Split(',');
        fields[UkeLayout.IR.PointTable - 1] = "5";
        var bytes = Encoding.ASCII.GetBytes(string.Join(',', fields) + "\r\n");
        var result = UkeParser.Parse(bytes, "x.UKE");
        Assert.True(result.IsFileRejected);
        Assert.Contains("点数表", result.FileRejectionReason);
    }
}
