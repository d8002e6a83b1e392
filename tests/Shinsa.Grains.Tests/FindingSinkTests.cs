using Shinsa.Grains.Records;
using Shinsa.Grains.Review;

namespace Shinsa.Grains.Tests;

public class FindingSinkTests
{
    private static readonly HouseholdCard Card = new("01010016", "12", "345");

    [Fact]
    public void A_findings_receipts_are_in_key_order_without_repeats_whatever_order_the_check_gave_them_in()
    {
        var (a, b, c) = (new ReceiptKey("1234567", new YearMonth(202405), 2), new ReceiptKey("1234567", new YearMonth(202405), 10),
            new ReceiptKey("7654321", new YearMonth(202404), 1));
        var sink = new FindingSink(Card, 1);
        sink.Add("DUP", "s1", "P1", "1234567", new YearMonth(202404), [c, b, a, b, c], 0, "");
        sink.Add("DUP", "s2", "P1", "1234567", new YearMonth(202404), [b], 0, "");
        sink.Add("DUP", "s3", "P1", "1234567", new YearMonth(202404), [], 0, "");

        var found = sink.Found.Values.OrderBy(f => f.Id, StringComparer.Ordinal).Select(f => f.Receipts.ToArray()).ToList();
        Assert.Equal([[a, b, c], [b], []], found);
    }
}
