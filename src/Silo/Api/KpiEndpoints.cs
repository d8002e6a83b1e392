using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Auth;

namespace Shinsa.Silo.Api;

public sealed record KpiSummary(long Receipts, long Days, long Points, long CostYen);

public static class KpiEndpoints
{
    public static void MapKpiEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/kpis").WithTags("KPIs");

        // service_month is required; insurer and provider narrow the sum. Binding by hand keeps the snake_case
        // names of the contract and gives a 400 that says what is wrong.
        api.MapGet("/summary", (HttpContext http, ActorHost host) =>
            {
                var query = http.Request.Query;
                if (!YearMonth.TryParse(query["service_month"].ToString(), out var month))
                    return Results.Problem("service_month is required as YYYY-MM", statusCode: StatusCodes.Status400BadRequest);
                var scope = new KpiScope(month, query["insurer"].FirstOrDefault(), query["provider"].FirstOrDefault());
                var sum = host.SumKpis(Months.In(month), scope.Contains);
                return Results.Ok(new KpiSummary(sum.Receipts, sum.Days, sum.Points, sum.CostYen));
            })
            .RequireInsurerScope("insurer")
            .Produces<KpiSummary>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("件数・日数・点数・費用額 for a service month, optionally one insurer and/or provider");
    }
}
