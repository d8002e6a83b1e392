using Shinsa.Grains;
using Shinsa.Grains.Households;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Grains.Rollups;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Ingestion.Tests;

/// <summary>
/// A receipt's log record, decoded, hands its grain the receipt's held form taken from the log's bytes. Over every
/// receipt of the real sample (and a replicated file, whose receipts differ in numbers, cards and 公費): those bytes are
/// exactly what encoding the receipt again gives, and a grain ends in the same state either way.
/// </summary>
public class ReceiptLogCodecTests
{
    public static TheoryData<int> Variants => new() { 0, 7 };

    private static List<Receipt> Receipts(int variant) =>
        UkeParser.Parse(variant == 0 ? SampleFile.Bytes : SampleReplicator.MakeVariant(SampleFile.Bytes, variant, copies: 2), "RECEIPTC.UKE").Receipts.ToList();

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_logged_receipt_decodes_with_the_bytes_its_grain_would_encode(int variant)
    {
        var receipts = Receipts(variant);
        Assert.True(receipts.Count >= 75);
        foreach (var receipt in receipts)
        {
            // As the silo appends it: the parser's receipt, which knows its RE line; the log and the grain keep none.
            Assert.NotEqual(0, receipt.SourceLine);
            var decoded = Assert.IsType<ReceiptArrived>(GrainCodec.DecodeRecord(GrainCodec.EncodeArrival(receipt)));
            Assert.Equal(0, decoded.Receipt.SourceLine);
            Assert.Equal(GrainCodec.EncodeReceipt(receipt), decoded.Held);
            Assert.Equal(GrainCodec.EncodeReceipt(receipt), GrainCodec.EncodeReceipt(decoded.Receipt));
            // The same bytes as the record of the receipt without its line, the form earlier silos appended.
            Assert.Equal(GrainCodec.Encode(new ReceiptArrived(receipt with { SourceLine = 0 })), GrainCodec.EncodeArrival(receipt));
        }
    }

    [Fact]
    public void A_record_that_kept_its_source_line_is_encoded_again_by_its_grain()
    {
        // Logs written before receipts were logged without their RE line still replay: their bytes are not the held form.
        var receipt = Receipts(0)[3];
        Assert.NotEqual(0, receipt.SourceLine);
        var decoded = Assert.IsType<ReceiptArrived>(GrainCodec.DecodeRecord(GrainCodec.Encode(new ReceiptArrived(receipt))));
        Assert.Null(decoded.Held);
        Assert.Equal(receipt.SourceLine, decoded.Receipt.SourceLine);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_grain_holds_the_same_state_whether_or_not_the_record_carried_its_bytes(int variant)
    {
        var context = new ReviewContext(RuleSet.Starter, ReferenceMasters.Empty, default);
        foreach (var group in Receipts(variant).GroupBy(r => r.Card))
        {
            var (withBytes, withBytesPartials) = (new HouseholdGrain(group.Key), new ShardPartials());
            var (encodedAgain, encodedAgainPartials) = (new HouseholdGrain(group.Key), new ShardPartials());
            foreach (var receipt in group)
            {
                var decoded = (ReceiptArrived)GrainCodec.DecodeRecord(GrainCodec.Encode(new ReceiptArrived(receipt with { SourceLine = 0 })));
                Assert.NotNull(decoded.Held);
                withBytes.Apply(decoded, withBytesPartials, context);
                encodedAgain.Apply(new ReceiptArrived(decoded.Receipt), encodedAgainPartials, context);
            }
            Assert.Equal(GrainCodec.Encode(encodedAgain.ToSnapshot()), GrainCodec.Encode(withBytes.ToSnapshot()));
            Assert.Equal(GrainCodec.Encode(encodedAgainPartials), GrainCodec.Encode(withBytesPartials));
        }
    }
}
