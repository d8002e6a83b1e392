using Shinsa.Grains.Records;
using Shinsa.Ingestion.Uke;
using Shinsa.Silo.Ingest;

namespace Shinsa.Silo.Auth;

/// <summary>
/// Who may submit what, and who may read a submission's status. A provider submits claim files of its own 医療機関コード
/// only; an insurer submits CSV rows of its own insurer only; the federation submits anything. A provider or insurer
/// reads the status of the submissions it sent; the federation reads every one.
/// </summary>
public static class Submitters
{
    /// <summary>Null when the caller may submit this claim file, else the 403.</summary>
    public static IResult? RefuseClaimFile(HttpContext http, byte[] bytes, string fileName)
    {
        var caller = http.Caller();
        if (caller is null) return Access.Unauthenticated();
        if (caller.IsFederation) return null;
        if (caller.Kind != CallerKind.Provider) return Access.Forbidden($"role {caller.Role} may not submit claim files");
        var parsed = UkeParser.Parse(bytes, fileName); // providers only: a second parse, to read the IR record's code
        return parsed.IsFileRejected || parsed.ProviderCode == caller.Id
            ? null // a file that is not a claim file is refused with its reason (400) by the submission itself
            : Access.Forbidden($"the file is provider {parsed.ProviderCode}'s; role {caller.Role} submits its own files only");
    }

    /// <summary>Who may post to a CSV feed: withdrawals (取下げ) come from providers, the other feeds from insurers.
    /// Review decisions are the federation's own, and 介護給付費 and their withdrawals reach it from care providers (who
    /// have no role here): federation only.</summary>
    public static CallerKind[] KindsFor(CsvFeed feed) =>
        feed == CsvFeeds.Withdrawals ? [CallerKind.Federation, CallerKind.Provider]
        : feed == CsvFeeds.Decisions || feed == CsvFeeds.CareClaims || feed == CsvFeeds.CareClaimWithdrawals ? [CallerKind.Federation]
        : [CallerKind.Federation, CallerKind.Insurer];

    /// <summary>
    /// Null when the caller may submit this CSV, else the 403: an insurer's rows must all be of its insurer, a provider's
    /// withdrawals all of its own receipts.
    /// </summary>
    public static IResult? RefuseCsv(HttpContext http, CsvFeed feed, byte[] bytes, string fileName)
    {
        var caller = http.Caller();
        if (caller is null) return Access.Unauthenticated();
        if (caller.IsFederation) return null;
        if (!KindsFor(feed).Contains(caller.Kind)) return Access.Forbidden($"role {caller.Role} may not submit {feed.Kind}");
        var parsed = feed.Parse(bytes, fileName);
        // Rows that wait for their identity name no household yet: only the federation may post them.
        if (parsed.Waiting.Count > 0) return Access.Forbidden($"role {caller.Role} may not submit {feed.Kind}");
        var records = parsed.Records;
        if (caller.Kind == CallerKind.Provider)
        {
            var foreign = records.Select(r => r is ReceiptWithdrawn w ? w.Key.ProviderCode : null).FirstOrDefault(p => p != caller.Id);
            return foreign is null && records.All(r => r is ReceiptWithdrawn) ? null
                : Access.Forbidden($"the file has rows of provider {foreign}; role {caller.Role} withdraws its own receipts only");
        }
        var other = records.Select(r => r.Card.InsurerNo).FirstOrDefault(i => i != caller.Id);
        return other is null ? null : Access.Forbidden($"the file has rows of insurer {other}; role {caller.Role} submits its own rows only");
    }

    /// <summary>Remembers that the caller sent submission <paramref name="id"/> (federation: nothing to remember).</summary>
    public static void Remember(HttpContext http, string id)
    {
        if (http.Caller() is { IsFederation: false } caller)
            http.RequestServices.GetRequiredService<ISubmissionOwners>().Add(id, caller.Role);
    }

    /// <summary>The federation reads any submission; others only their own (another's id is 404, like an unknown one).</summary>
    public static TBuilder RequireSubmissionOwner<TBuilder>(this TBuilder builder, string parameter = "id")
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var caller = http.Caller();
            if (caller is null) return Access.Unauthenticated();
            var id = http.Request.RouteValues[parameter]?.ToString() ?? "";
            if (caller.IsFederation || http.RequestServices.GetRequiredService<ISubmissionOwners>().IsOwner(id, caller.Role))
                return await next(context);
            return Results.Problem($"no submission {id}", statusCode: StatusCodes.Status404NotFound);
        });
}
