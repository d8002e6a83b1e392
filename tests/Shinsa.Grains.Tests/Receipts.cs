using System.Collections.Immutable;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Tests;

/// <summary>Builds receipts for tests: one SI line per entry of <c>lines</c> as (points, times).</summary>
internal static class Receipts
{
    public static readonly HouseholdCard Card = new("06040011", "12", "345");

    public static Receipt Make(int receiptNo, int declared, (int Points, int Times)[] lines, HouseholdCard? card = null,
        string provider = "0110001", int billing = 202405, int service = 202404, int days = 1, string type = "1112")
    {
        var serviceLines = lines.Select(l => new ServiceLine(LineKind.Procedure, "11", "111000110", null, l.Points, l.Times, 1u)).ToImmutableArray();
        return new Receipt(
            new ReceiptKey(provider, new YearMonth(billing), receiptNo), ClaimKind.Medical, type, new YearMonth(service),
            card ?? Card, "01", 1, 19600101, "テスト", 7, null, null, days, declared,
            serviceLines.Sum(l => l.Contribution), null, [], [], serviceLines, 1);
    }
}
