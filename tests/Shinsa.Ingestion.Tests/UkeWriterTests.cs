using Shinsa.Grains;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Ingestion.Tests;

public class UkeWriterTests
{
    [Fact]
    public void The_real_samples_receipts_written_again_parse_to_the_same_receipts()
    {
        var original = UkeParser.Parse(SampleFile.Bytes, "RECEIPTC.UKE");
        var provider = new UkeWriter.Provider(ClaimKind.Medical, original.ProviderCode, original.PrefectureCode, "テスト医院", original.BillingMonth);
        var written = UkeWriter.Write(provider, original.Receipts);
        var back = UkeParser.Parse(written, "written.UKE");

        Assert.Empty(back.Errors);
        Assert.Empty(back.Warnings);
        Assert.Equal(original.Receipts.Count, back.Receipts.Count);
        for (var i = 0; i < original.Receipts.Count; i++)
            Assert.Equal(Canonical(original.Receipts[i]), Canonical(back.Receipts[i]));
    }

    [Fact]
    public void A_branch_number_is_written_in_SN_and_read_back()
    {
        var original = UkeParser.Parse(SampleFile.Bytes, "RECEIPTC.UKE");
        var withBranch = original.Receipts.Take(3).Select(r => r with { Branch = "02" }).ToList();
        var back = UkeParser.Parse(UkeWriter.Write(new(ClaimKind.Medical, "1234567", "04", "医院", YearMonth.Of(2024, 5)), withBranch), "b.UKE");
        Assert.All(back.Receipts, r => Assert.Equal("02", r.Branch));
        Assert.All(back.Receipts, r => Assert.Equal("02", r.PersonKey));
    }

    // Everything but the line the receipt started on, which depends on the file it is in.
    private static byte[] Canonical(Receipt r) => GrainCodec.Encode(new ReceiptArrived(r with { SourceLine = 0 }));
}
