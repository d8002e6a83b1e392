using Shinsa.Grains.Records;
using Shinsa.Ingestion;
using Shinsa.Ingestion.Csv;
using Shinsa.Ingestion.Eligibility;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Ingest;

/// <summary>A CSV file read into log records, with its row counts and errors.</summary>
public sealed record ParsedFeed(
    IReadOnlyList<LogRecord> Records, int Submitted, IReadOnlyList<IngestError> Errors, string? Refusal,
    IReadOnlyList<CardIndexRow>? CardIndex = null);

/// <summary>
/// One of Shinsa's CSV inputs: its endpoint, the kind stored with the submission, the first letter of its ids (the
/// same bytes posted to two endpoints are two submissions) and its parser. Every feed here is keyed by the household
/// card, so its rows go straight to their household's shard.
/// </summary>
public sealed record CsvFeed(string Kind, string Path, char IdPrefix, string Summary, Func<byte[], string, ParsedFeed> Parse);

public static class CsvFeeds
{
    public static readonly CsvFeed Eligibility = new("eligibility", "/eligibility", 'e',
        "Submit eligibility rows (資格; CSV contract of DOMAIN.md); 202 with row counts.", (bytes, name) =>
        {
            var r = EligibilityCsvParser.Parse(bytes, name);
            var index = r.Rows
                .Select(e => new CardIndexRow(e.Card.InsurerNo, e.Card.Symbol, e.Card.Number, e.Branch, e.PersonId, e.HouseholdId)).ToList();
            return new ParsedFeed(r.Rows.Select(e => (LogRecord)new EligibilityArrived(e)).ToList(), r.Submitted, r.Errors, r.FileRejectionReason, index);
        });

    public static readonly CsvFeed Checkups = new("checkups", "/checkups", 'c',
        "Submit 特定健診 results (CSV contract of DOMAIN.md); 202 with row counts.",
        (bytes, name) => From(CheckupCsv.Parse(bytes, name), c => new CheckupArrived(c)));

    public static readonly CsvFeed ThirdPartyReports = new("third-party-reports", "/third-party-reports", 't',
        "Submit 傷病届 (third-party injury reports; CSV contract of DOMAIN.md); 202 with row counts.",
        (bytes, name) => From(ThirdPartyReportCsv.Parse(bytes, name), t => new ThirdPartyReportArrived(t)));

    public static readonly CsvFeed JudoClaims = new("judo-claims", "/judo-claims", 'j',
        "Submit 柔道整復 claims (Shinsa CSV contract, see the README); 202 with row counts.",
        (bytes, name) => From(JudoClaimCsv.Parse(bytes, name), j => new JudoClaimArrived(j)));

    public static readonly CsvFeed Withdrawals = new("withdrawals", "/withdrawals", 'w',
        "Withdraw receipts (取下げ; Shinsa CSV contract, see the README): each leaves the KPIs, findings and 高額療養費; 202 with row counts.",
        (bytes, name) => From(WithdrawalCsv.Parse(bytes, name), w => w));

    public static readonly IReadOnlyList<CsvFeed> All = [Eligibility, Checkups, ThirdPartyReports, JudoClaims, Withdrawals];

    private static ParsedFeed From<T>(CsvParseResult<T> r, Func<T, LogRecord> record) =>
        new(r.Rows.Select(record).ToList(), r.Submitted, r.Errors, r.FileRejectionReason);
}
