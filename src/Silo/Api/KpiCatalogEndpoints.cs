using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Shinsa.Grains.Households;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Grains.Rollups;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Auth;

namespace Shinsa.Silo.Api;

/// <summary>One KPI: its id, Japanese label, unit, value (null when it has no meaning for the scope or no denominator) and, when null for the scope, why.</summary>
public sealed record KpiValue(string Id, string Label, string Unit, double? Value, [property: System.Text.Json.Serialization.JsonPropertyName("not_for_scope")] string? NotForScope = null);

/// <summary>Open findings of one check in the scope: count, yen at stake, and per 1,000 receipts of the scope.</summary>
public sealed record CheckKpi(string CheckId, long Findings, long YenAtStake, [property: System.Text.Json.Serialization.JsonPropertyName("per_1000")] double? Per1000);

public sealed record KpiCatalog(string Scope, string? Id, string? Insurer, string Axis, string Month, IReadOnlyList<KpiValue> Kpis,
    IReadOnlyList<CheckKpi> ByCheck);

public sealed record KpiMonth(string Month, long Receipts, long Days, long Points, long CostYen, long Findings, long FindingYen);

public sealed record InsurerKpis(string InsurerNo, long Receipts, long Days, long Points, long CostYen, long Findings, long FindingYen);

/// <summary>
/// The KPI catalogue of DOMAIN.md over the KPI and measure cells, live over server-sent events. Every view is a sum of
/// the cells' totals and the shards' changes since (exact under crash and replay because both are). A KPI that has no
/// meaning for the scope (a population rate of one provider, 高額療養費 by billing month) is listed with a null value
/// and the reason; a rate with a zero denominator is null without one.
/// </summary>
public static class KpiCatalogEndpoints
{
    public static void MapKpiCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/kpis").WithTags("KPIs");

        api.MapGet("", (HttpContext http, ActorHost host) =>
            {
                var request = KpiRequest.Parse(http, requireMonth: true, out var error);
                if (request is null) return error!;
                return Results.Ok(request.Compute(host));
            })
            .Produces<KpiCatalog>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Every KPI of the catalogue: ?scope=prefecture|insurer|provider&id=…[&insurer=N]&service_month=YYYY-MM (or billing_month=)");

        api.MapGet("/stream", async (HttpContext http, ActorHost host, KpiPayloadCache boards, IOptions<JsonOptions> json, IHostApplicationLifetime lifetime) =>
            {
                var request = KpiRequest.Parse(http, requireMonth: true, out var error);
                if (request is null)
                {
                    await error!.ExecuteAsync(http);
                    return;
                }
                await StreamAsync(http, request, host, boards, json.Value.SerializerOptions, lifetime.ApplicationStopping);
            })
            .Produces<KpiCatalog>(contentType: "text/event-stream")
            .WithSummary("The same KPI object as server-sent events (event: kpi), pushed when it changes; a comment line every 10 s");

        api.MapGet("/trend", (HttpContext http, ActorHost host) =>
            {
                var request = KpiRequest.Parse(http, requireMonth: false, out var error);
                return request is null ? error! : Results.Ok(request.Trend(host));
            })
            .Produces<List<KpiMonth>>()
            .WithSummary("件数・日数・点数・費用額・指摘 by month for the scope (?axis=billing_month for 請求年月), oldest first");

        api.MapGet("/insurers", (HttpContext http, ActorHost host) =>
            {
                var query = http.Request.Query;
                var billing = query.ContainsKey("billing_month");
                if (!YearMonth.TryParse((billing ? query["billing_month"] : query["service_month"]).ToString(), out var month))
                    return Results.Problem("service_month (or billing_month) is required as YYYY-MM", statusCode: StatusCodes.Status400BadRequest);
                var byInsurer = host.SumKpisBy(billing ? Months.BilledIn(month) : Months.In(month), _ => true, k => k.InsurerNo);
                return Results.Ok(byInsurer.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i =>
                    new InsurerKpis(i.Key, i.Value.Receipts, i.Value.Days, i.Value.Points, i.Value.CostYen, i.Value.Findings, i.Value.FindingYen)).ToList());
            })
            .RequireFederation()
            .Produces<List<InsurerKpis>>()
            .WithSummary("The prefecture's insurers side by side for a month (federation only)");
    }

    private static async Task StreamAsync(HttpContext http, KpiRequest request, ActorHost host, KpiPayloadCache boards, JsonSerializerOptions json,
        CancellationToken stopping)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var ct = cts.Token;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        string? last = null;
        var sent = 0;
        var lastWrite = DateTime.UtcNow;
        try
        {
            await http.Response.WriteAsync("retry: 2000\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                // Computed again only when a shard has moved since, once for every viewer of the board.
                var payload = boards.Get(request.Board, host.PartialsPositions(), () => JsonSerializer.Serialize(request.Compute(host), json));
                if (payload != last)
                {
                    last = payload;
                    await http.Response.WriteAsync($"id: {++sent}\nevent: kpi\ndata: {payload}\n\n", Encoding.UTF8, ct);
                    await http.Response.Body.FlushAsync(ct);
                    lastWrite = DateTime.UtcNow;
                }
                else if (DateTime.UtcNow - lastWrite > TimeSpan.FromSeconds(10))
                {
                    await http.Response.WriteAsync(": heartbeat\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    lastWrite = DateTime.UtcNow;
                }
                await Task.Delay(100, ct); // ten looks a second: the freshness benchmark measures what this costs
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { } // the client went away mid-write
    }

    /// <summary>A parsed, access-checked KPI query.</summary>
    private sealed record KpiRequest(string Scope, string? Id, string? Insurer, string? Provider, bool Billing, YearMonth? Month)
    {
        public static KpiRequest? Parse(HttpContext http, bool requireMonth, out IResult? error)
        {
            error = null;
            var query = http.Request.Query;
            var scope = query["scope"].FirstOrDefault() is { Length: > 0 } s ? s : "prefecture";
            var id = query["id"].FirstOrDefault() is { Length: > 0 } i ? i : null;
            var narrowInsurer = query["insurer"].FirstOrDefault() is { Length: > 0 } n ? n : null;
            string? insurer, provider;
            switch (scope)
            {
                case "prefecture": insurer = narrowInsurer; provider = null; break;
                case "insurer" when id is not null: insurer = id; provider = null; break;
                case "provider" when id is not null: insurer = narrowInsurer; provider = id; break;
                case "insurer" or "provider":
                    error = Results.Problem($"scope={scope} needs id=", statusCode: StatusCodes.Status400BadRequest);
                    return null;
                default:
                    error = Results.Problem("scope is prefecture, insurer or provider", statusCode: StatusCodes.Status400BadRequest);
                    return null;
            }
            // Access before anything else: an insurer sees its own insurer only (a provider's figures narrowed to it);
            // the prefecture and other insurers are 403 whatever the id; providers read no KPIs.
            if (Access.DenyInsurer(http.Caller(), insurer) is { } denied)
            {
                error = denied;
                return null;
            }
            var billing = query.ContainsKey("billing_month");
            var axis = query["axis"].FirstOrDefault();
            if (axis is "billing_month") billing = true;
            YearMonth? month = null;
            var text = (billing ? query["billing_month"] : query["service_month"]).ToString();
            if (text.Length > 0 || requireMonth)
            {
                if (!YearMonth.TryParse(text, out var m))
                {
                    error = Results.Problem("service_month (or billing_month) is required as YYYY-MM", statusCode: StatusCodes.Status400BadRequest);
                    return null;
                }
                month = m;
            }
            return new KpiRequest(scope, id, scope == "insurer" ? null : insurer, provider, billing, month) { InsurerFilter = insurer };
        }

        public string? InsurerFilter { get; init; }

        /// <summary>What the answer depends on (after the access check): equal boards, equal answers.</summary>
        public string Board => $"{Scope}|{Id}|{InsurerFilter}|{Provider}|{(Billing ? "billing" : "service")}|{Month}";

        private bool InScope(KpiKey k) =>
            (InsurerFilter is null || k.InsurerNo == InsurerFilter) && (Provider is null || k.ProviderCode == Provider);

        private YearMonth MonthOf(KpiKey k) => Billing ? k.BillingMonth : k.ServiceMonth;

        /// <summary>The cells of <paramref name="month"/> on this request's axis.</summary>
        private Months CellsOf(YearMonth month) => Billing ? Months.BilledIn(month) : Months.In(month);

        public KpiCatalog Compute(ActorHost host)
        {
            var month = Month!.Value;
            var c = host.SumKpis(CellsOf(month), InScope);
            var kpis = new List<KpiValue>
            {
                new("receipts", "件数", "件", c.Receipts),
                new("days", "日数", "日", c.Days),
                new("points", "点数", "点", c.Points),
                new("cost_yen", "費用額", "円", c.CostYen),
                new("points_per_receipt", "1件当たり点数", "点", Per(c.Points, c.Receipts)),
                new("days_per_receipt", "1件当たり日数", "日", Per(c.Days, c.Receipts)),
                new("cost_per_day_yen", "1日当たり費用額", "円", Per(c.CostYen, c.Days)),
                new("findings", "指摘件数", "件", c.Findings),
                new("finding_yen", "指摘金額", "円", c.FindingYen),
                new("findings_per_1000", "1,000件当たり指摘件数", "件", Per(c.Findings, c.Receipts, 1000)),
                // Review decisions (POST /api/v1/decisions): Receipts already leaves out 返戻 receipts and Points the points cut.
                new("assessed", "査定件数", "件", c.Assessed),
                new("assessed_points", "査定点数", "点", c.AssessedPoints),
                new("returned", "返戻件数", "件", c.Returned),
                new("assessment_rate_count", "査定率（件数）", "%", Per(c.Assessed, c.Receipts, 100, 3)),
                new("assessment_rate_points", "査定率（点数）", "%", Per(c.AssessedPoints, c.Points + c.AssessedPoints, 100, 3)),
                new("return_rate", "返戻率", "%", Per(c.Returned, c.Receipts + c.Returned, 100, 3)),
            };

            // Open findings per check and the people counts: the measure cells the households keep of them (ReviewTotals).
            // Findings' cells have a provider; people's have an empty one for "at any provider" (a person counts once).
            bool CellInScope(MeasureKey k, bool perProvider) =>
                (InsurerFilter is null || k.InsurerNo == InsurerFilter)
                && (perProvider ? Provider is null || k.ProviderCode == Provider : k.ProviderCode == (Provider ?? ""));
            var found = host.SumMeasuresBy(Measure.OpenFindings, CellsOf(month), k => CellInScope(k, true), k => k.Check);
            var byCheck = found.Where(n => n.Value.Count != 0).OrderBy(n => n.Key, StringComparer.Ordinal)
                .Select(n => new CheckKpi(n.Key, n.Value.Count, n.Value.Amount, Per(n.Value.Count, c.Receipts, 1000))).ToList();
            var people = host.SumMeasuresBy(Billing ? Measure.PeopleBilled : Measure.People, Months.In(month), k => CellInScope(k, false), k => k.Check);
            kpis.Add(new("frequent_visitors", "重複・頻回受診者数", "人", people.GetValueOrDefault(ReviewTotals.FrequentVisitors).Count));
            kpis.Add(new("duplicate_drug_people", "重複投薬者数", "人", people.GetValueOrDefault(ReviewTotals.DuplicateDrugs).Count));
            kpis.Add(new("polypharmacy_people", "多剤投与者数", "人", people.GetValueOrDefault(ReviewTotals.Polypharmacy).Count));
            kpis.Add(new("third_party_candidates", "第三者行為 候補件数", "件", found.GetValueOrDefault("THIRD").Count));

            // 高額療養費 is per household and service month: no provider view, no billing-month view.
            if (Provider is not null || Billing)
            {
                var why = Provider is not null ? "高額療養費 is per household, not per provider" : "高額療養費 is by service month only";
                kpis.Add(new("high_cost_payable_yen", "高額療養費 支給額", "円", null, why));
                kpis.Add(new("high_cost_households", "高額療養費 支給世帯数", "世帯", null, why));
                kpis.Add(new("high_cost_people", "高額療養費 支給世帯の人数", "人", null, why));
                kpis.Add(new("high_cost_tasuu", "多数回該当世帯数", "世帯", null, why));
            }
            else
            {
                MeasureValue HighCost(Measure measure) => host.SumMeasures(measure, Months.In(month), k => CellInScope(k, false));
                var households = HighCost(Measure.HighCostHouseholds);
                kpis.Add(new("high_cost_payable_yen", "高額療養費 支給額", "円", households.Amount));
                kpis.Add(new("high_cost_households", "高額療養費 支給世帯数", "世帯", households.Count));
                kpis.Add(new("high_cost_people", "高額療養費 支給世帯の人数", "人", HighCost(Measure.HighCostPersons).Count));
                kpis.Add(new("high_cost_tasuu", "多数回該当世帯数", "世帯", HighCost(Measure.HighCostTasuu).Count));
            }
            AddClaimRates(kpis, c);
            AddPopulationRates(kpis, host, c, month);
            return new KpiCatalog(Scope, Id, Insurer, Billing ? "billing_month" : "service_month", month.ToString(), kpis, byCheck);
        }

        /// <summary>x per <paramref name="per"/> (× <paramref name="scale"/>: 100 for a percentage), rounded; null when there is nothing to divide by.</summary>
        private static double? Per(long x, long per, double scale = 1, int digits = 2) => per == 0 ? null : Math.Round(x * scale / per, digits);

        /// <summary>Rates of the claims themselves (後発 quantities, 柔整 patterns): every scope, both axes.</summary>
        private static void AddClaimRates(List<KpiValue> kpis, KpiCounters c)
        {
            kpis.Add(new("generic_share", "後発医薬品使用割合（数量）", "%", Per(c.GenericQty, c.GenericBaseQty, 100, 1)));
            kpis.Add(new("judo_claims", "柔整 件数", "件", c.JudoClaims));
            kpis.Add(new("judo_cost_yen", "柔整 費用額", "円", c.JudoCostYen));
            kpis.Add(new("judo_days_per_claim", "柔整 1件当たり施術日数", "日", Per(c.JudoDays, c.JudoClaims)));
            kpis.Add(new("judo_parts3_share", "柔整 3部位以上の割合", "%", Per(c.JudoParts3, c.JudoClaims, 100, 1)));
            kpis.Add(new("judo_days15_share", "柔整 15日以上の割合", "%", Per(c.JudoDays15, c.JudoClaims, 100, 1)));
            kpis.Add(new("judo_multi_share", "柔整 3部位以上かつ15日以上の割合", "%", Per(c.JudoParts3Days15, c.JudoClaims, 100, 1)));
        }

        /// <summary>
        /// Rates over the insured population and the review's household counts (DOMAIN.md): 受診率 = 医科・歯科 件数 /
        /// 被保険者数 × 100, 一人当たり医療費 = 費用額 / 被保険者数, 特定健診受診率 of the fiscal year the month is in,
        /// 重症化予防 受診率 of the check-ups whose window ends in the month, 第三者行為 届出率 of the month's injury receipts.
        /// Populations belong to insurers, not providers, and all of these are by service month.
        /// </summary>
        private void AddPopulationRates(List<KpiValue> kpis, ActorHost host, KpiCounters c, YearMonth month)
        {
            long Sum(Measure measure, Months months, bool byProvider = false) => host.SumMeasures(measure, months, k =>
                (InsurerFilter is null || k.InsurerNo == InsurerFilter)
                && (!byProvider || Provider is null || k.ProviderCode == Provider)).Count;

            if (Billing)
            {
                kpis.Add(new("injury_receipts", "外傷 件数", "件", null, "by service month only"));
                kpis.Add(new("third_party_report_rate", "第三者行為 届出率", "%", null, "by service month only"));
            }
            else
            {
                var injury = Sum(Measure.InjuryReceipts, Months.In(month), byProvider: true);
                kpis.Add(new("injury_receipts", "外傷 件数", "件", injury));
                kpis.Add(new("third_party_report_rate", "第三者行為 届出率", "%", Per(Sum(Measure.InjuryReported, Months.In(month), byProvider: true), injury, 100, 1)));
            }

            if (Provider is not null || Billing)
            {
                var why = Provider is not null ? "a rate over the insured population: insurer and prefecture only" : "by service month only";
                foreach (var (id, label, unit) in PopulationLabels) kpis.Add(new(id, label, unit, null, why));
                return;
            }
            // Levels are running sums of the changes (see Measure): insured in the month, targets of the fiscal year.
            var insured = Sum(Measure.InsuredChange, Months.Through(month));
            var yearEnd = HouseholdPopulation.FiscalYearEnd(HouseholdPopulation.FiscalYear(month));
            var targets = Sum(Measure.CheckupTargetChange, Months.Through(yearEnd));
            var examinees = Sum(Measure.CheckupExaminees, Months.In(yearEnd));
            var referrals = Sum(Measure.CheckupReferrals, Months.In(month));
            var values = new double?[]
            {
                insured,
                Per(c.VisitReceipts, insured, 100, 1),
                Per(c.CostYen, insured, digits: 0),
                targets, examinees, Per(examinees, targets, 100, 1),
                referrals, Per(Sum(Measure.CheckupReferralsVisited, Months.In(month)), referrals, 100, 1),
            };
            for (var i = 0; i < PopulationLabels.Length; i++)
                kpis.Add(new(PopulationLabels[i].Id, PopulationLabels[i].Label, PopulationLabels[i].Unit, values[i]));
        }

        private static readonly (string Id, string Label, string Unit)[] PopulationLabels =
        [
            ("insured", "被保険者数", "人"),
            ("consultation_rate", "受診率", "%"),
            ("cost_per_insured", "一人当たり医療費", "円"),
            ("checkup_targets", "特定健診 対象者数（年度）", "人"),
            ("checkup_examinees", "特定健診 受診者数（年度）", "人"),
            ("checkup_rate", "特定健診受診率（年度）", "%"),
            ("prevention_referrals", "重症化予防 受診勧奨件数（期限到来月）", "件"),
            ("prevention_visit_rate", "重症化予防 受診率（期限内）", "%"),
        ];

        public List<KpiMonth> Trend(ActorHost host)
        {
            // One walk of the history, summed by month (a month with cells in the scope is listed, even at zero).
            return host.SumKpisBy(Months.All, InScope, MonthOf).OrderBy(m => m.Key).Select(m =>
                new KpiMonth(m.Key.ToString(), m.Value.Receipts, m.Value.Days, m.Value.Points, m.Value.CostYen, m.Value.Findings, m.Value.FindingYen)).ToList();
        }
    }
}
