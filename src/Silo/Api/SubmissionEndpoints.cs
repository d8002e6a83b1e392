using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Shinsa.Silo.Auth;
using Shinsa.Silo.Hosting;
using Shinsa.Silo.Ingest;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Api;

public sealed record SubmissionAccepted(string Id);
public sealed record ReceiptCounts(int Submitted, int Accepted, int Rejected);
public sealed record LineError(int Line, string Reason);
public sealed record SubmissionStatus(string Id, string Status, ReceiptCounts Receipts, long Points, IReadOnlyList<string> Warnings, IReadOnlyList<LineError> Errors);
/// <summary>The answer to a CSV feed: its id and row counts (eligibility, check-ups, 傷病届, 柔整).</summary>
public sealed record RowsAccepted(string Id, ReceiptCounts Rows, IReadOnlyList<LineError> Errors);

/// <summary>POST/GET of claim files and the CSV feeds. The paths and JSON names are a contract used outside the project.</summary>
public static class SubmissionEndpoints
{
    public static void MapSubmissionEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Submissions");

        api.MapPost("/submissions", async (HttpContext http, SubmissionService service, IOptions<ShinsaOptions> options) =>
            {
                var body = await ReadBodyAsync(http, options.Value);
                if (body.Error is not null) return body.Error;
                if (Submitters.RefuseClaimFile(http, body.Bytes!, FileName(http)) is { } refused) return refused;
                var result = await service.SubmitClaimFileAsync(body.Bytes!, FileName(http));
                if (result is SubmitResult.Accepted accepted) Submitters.Remember(http, accepted.Id);
                return result switch
                {
                    SubmitResult.Accepted a => Results.Accepted($"/api/v1/submissions/{a.Id}", new SubmissionAccepted(a.Id)),
                    _ => NotAccepted(http, result, options.Value),
                };
            })
            .RequireKinds(CallerKind.Federation, CallerKind.Provider)
            .Accepts<byte[]>("application/octet-stream", "*/*")
            .Produces<SubmissionAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Submit a claim file (UKE); 202 only after the durable append. Idempotent: the same bytes give the same id.");

        api.MapGet("/submissions/{id}", (string id, SubmissionService service) =>
            {
                var row = service.Find(id);
                if (row is null) return Results.Problem($"no submission {id}", statusCode: StatusCodes.Status404NotFound);
                return Results.Ok(new SubmissionStatus(row.Id, service.IsApplied(row) ? "applied" : "accepted",
                    new ReceiptCounts(row.Submitted, row.Accepted, row.Rejected), row.Points, row.Warnings,
                    row.Errors.Select(e => new LineError(e.Line, e.Reason)).ToList()));
            })
            .RequireSubmissionOwner("id")
            .Produces<SubmissionStatus>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A submission's counts, messages and status (accepted → applied)");

        foreach (var feed in CsvFeeds.All)
            api.MapPost(feed.Path, async (HttpContext http, SubmissionService service, IOptions<ShinsaOptions> options) =>
                {
                    var body = await ReadBodyAsync(http, options.Value);
                    if (body.Error is not null) return body.Error;
                    if (Submitters.RefuseCsv(http, feed, body.Bytes!, FileName(http)) is { } refused) return refused;
                    var result = await service.SubmitCsvAsync(feed, body.Bytes!, FileName(http));
                    if (result is not SubmitResult.Accepted a) return NotAccepted(http, result, options.Value);
                    Submitters.Remember(http, a.Id);
                    var row = service.Find(a.Id)!;
                    return Results.Accepted($"/api/v1/submissions/{a.Id}", new RowsAccepted(a.Id,
                        new ReceiptCounts(row.Submitted, row.Accepted, row.Rejected),
                        row.Errors.Select(e => new LineError(e.Line, e.Reason)).ToList()));
                })
                .Accepts<string>("text/csv", "*/*")
                .Produces<RowsAccepted>(StatusCodes.Status202Accepted)
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status429TooManyRequests)
                .RequireKinds(Submitters.KindsFor(feed))
                .WithName("post-" + feed.Kind)
                .WithSummary(feed.Summary);
    }

    private static string FileName(HttpContext http) =>
        http.Request.Headers["X-File-Name"].FirstOrDefault() is { Length: > 0 } name ? Path.GetFileName(name) : "upload";

    private readonly record struct Body(byte[]? Bytes, IResult? Error);

    private static async Task<Body> ReadBodyAsync(HttpContext http, ShinsaOptions options)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxUploadBytes;
        if (http.Request.ContentLength > options.MaxUploadBytes)
            return new(null, TooLarge(options));
        using var buffer = new MemoryStream(http.Request.ContentLength is { } n ? (int)Math.Min(n, options.MaxUploadBytes) : 64 * 1024);
        try
        {
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new(null, TooLarge(options));
        }
        if (buffer.Length == 0)
            return new(null, Results.Problem("the request body is empty: send the file's bytes", statusCode: StatusCodes.Status400BadRequest));
        // The usual case, a body of its announced length, fills the buffer exactly: hand it over instead of copying it.
        return new(buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray(), null);
    }

    private static IResult TooLarge(ShinsaOptions options) =>
        Results.Problem($"the file is larger than the {options.MaxUploadBytes:N0}-byte limit (Shinsa:MaxUploadBytes)",
            statusCode: StatusCodes.Status413PayloadTooLarge);

    private static IResult NotAccepted(HttpContext http, SubmitResult result, ShinsaOptions options)
    {
        switch (result)
        {
            case SubmitResult.Refused r:
                return Results.Problem(r.Reason, title: "not accepted", statusCode: StatusCodes.Status400BadRequest);
            case SubmitResult.Busy b:
                http.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString();
                return Results.Problem(b.Reason, title: "ingest queue full, retry later", statusCode: StatusCodes.Status429TooManyRequests);
            default:
                http.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString();
                return Results.Problem("the silo is recovering its shards", title: "not ready", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
