using System.Text;
using Shinsa.Ingestion.Csv;
using Shinsa.Ingestion.Eligibility;

namespace Shinsa.Client.Api;

/// <summary>Which endpoint a file goes to: a Shinsa CSV is known by its contract header, anything else is a claim file.</summary>
public static class InputKinds
{
    private static readonly (string Path, string[] Columns)[] Feeds =
    [
        ("api/v1/eligibility", EligibilityCsvParser.Columns),
        ("api/v1/checkups", CheckupCsv.Columns),
        ("api/v1/third-party-reports", ThirdPartyReportCsv.Columns),
        ("api/v1/judo-claims", JudoClaimCsv.Columns),
        ("api/v1/care-claim-withdrawals", CareClaimWithdrawalCsv.Columns),
        ("api/v1/care-claims", CareClaimCsv.Columns),
        ("api/v1/decisions", DecisionCsv.Columns),
        ("api/v1/withdrawals", WithdrawalCsv.Columns),
    ];

    /// <summary>The CSV feed path for <paramref name="bytes"/>, or null for a UKE claim file.</summary>
    public static string? CsvFeedOf(ReadOnlySpan<byte> bytes)
    {
        var start = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var end = bytes[start..].IndexOfAny((byte)'\r', (byte)'\n');
        var header = Encoding.UTF8.GetString(end < 0 ? bytes[start..] : bytes.Slice(start, end)).Split(',').Select(c => c.Trim()).ToArray();
        // A header may carry columns after its contract's; the longest contract it starts with wins, since one contract
        // can start another's (a care claim's header starts with its withdrawal's).
        foreach (var (path, columns) in Feeds.OrderByDescending(f => f.Columns.Length))
            if (header.Length >= columns.Length && header.Take(columns.Length).SequenceEqual(columns)) return path;
        return null;
    }
}
