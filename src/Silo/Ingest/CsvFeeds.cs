using Shinsa.Grains;
using Shinsa.Grains.Records;
using Shinsa.Ingestion;
using Shinsa.Ingestion.Csv;
using Shinsa.Ingestion.Eligibility;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Ingest;

/// <summary>A CSV file read into log records, with its row counts and errors.</summary>
public sealed record ParsedFeed(
    IReadOnlyList<LogRecord> Records, int Submitted, IReadOnlyList<IngestError> Errors, string? Refusal,
    IReadOnlyList<CardIndexRow>? CardIndex = null)
{
    /// <summary>Rows that name a receipt or a care card rather than a household card (they wait for it if unknown).</summary>
    public IReadOnlyList<WaitingRecord> Waiting { get; init; } = [];
    public IReadOnlyList<IdentityRow> Identities { get; init; } = [];
    public IReadOnlyList<PersonCardRow> PersonCards { get; init; } = [];
    public int Accepted => Records.Count + Waiting.Count;
}

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
            // A person's medical card is where their care claims go; a 介護 card is an alias of its person.
            var identities = r.Rows.Where(e => e.Kind != EligibilityEventKind.Lose).Select(e => e.System == InsuranceSystem.Kaigo
                    ? new IdentityRow(IdentityRow.OfCareCard(e.Card.InsurerNo, e.Card.Number), null, "", IdentityRow.OfPerson(e.PersonId))
                    : new IdentityRow(IdentityRow.OfPerson(e.PersonId), e.Card.Key, e.Branch))
                .ToList();
            return new ParsedFeed(r.Rows.Select(e => (LogRecord)new EligibilityArrived(e)).ToList(), r.Submitted, r.Errors, r.FileRejectionReason, index)
                { Identities = identities, PersonCards = r.Rows.Select(PersonCardRow.Of).OfType<PersonCardRow>().ToList() };
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

    public static readonly CsvFeed CareClaims = new("care-claims", "/care-claims", 'k',
        "Submit 介護給付費 claims (CSV contract of DOMAIN.md); each goes to the household of the person its care card belongs to, or waits for that eligibility; 202 with row counts.",
        (bytes, name) => WaitingFor(CareClaimCsv.Parse(bytes, name), c => IdentityRow.OfCareCard(c.InsurerNo, c.InsuredNo),
            c => new CareClaimArrived(new CareClaimHeld(HouseholdCard.Unresolved, "", c))));

    public static readonly CsvFeed CareClaimWithdrawals = new("care-claim-withdrawals", "/care-claim-withdrawals", 'x',
        "Withdraw 介護給付費 claims (取下げ; Shinsa CSV contract, see the README): each leaves its household's checks and 高額介護合算; like a care claim, waits for the eligibility of its care card; 202 with row counts.",
        (bytes, name) => WaitingFor(CareClaimWithdrawalCsv.Parse(bytes, name), w => IdentityRow.OfCareCard(w.InsurerNo, w.InsuredNo), w => w));

    public static readonly CsvFeed Decisions = new("decisions", "/decisions", 'd',
        "Submit review decisions (査定・返戻・原審・復活; CSV contract of DOMAIN.md); each goes to the household holding the receipt, or waits for the receipt; 202 with row counts.",
        (bytes, name) => WaitingFor(DecisionCsv.Parse(bytes, name), d => IdentityRow.OfReceipt(d.Receipt), d => new DecisionArrived(HouseholdCard.Unresolved, d)));

    public static readonly IReadOnlyList<CsvFeed> All = [Eligibility, Checkups, ThirdPartyReports, JudoClaims, Withdrawals, CareClaims, CareClaimWithdrawals, Decisions];

    private static ParsedFeed From<T>(CsvParseResult<T> r, Func<T, LogRecord> record) =>
        new(r.Rows.Select(record).ToList(), r.Submitted, r.Errors, r.FileRejectionReason);

    /// <summary>
    /// A feed whose rows name an identity (a receipt, a care card) instead of a household card: each row's record goes
    /// to the store's waiting set under that identity, and into the log when (or as soon as) the identity is known.
    /// </summary>
    private static ParsedFeed WaitingFor<T>(CsvParseResult<T> r, Func<T, string> identity, Func<T, LogRecord> record) =>
        new([], r.Submitted, r.Errors, r.FileRejectionReason)
        {
            Waiting = r.Rows.Select(row => new WaitingRecord(identity(row), GrainCodec.Encode(record(row)))).ToList(),
        };
}
