using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
using Shinsa.Grains.Households;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Auth;
using Shinsa.Silo.Ingest;
using Shinsa.Silo.Review;

namespace Shinsa.Silo.Api;

public sealed record CardView(string InsurerNo, string CardSymbol, string CardNumber, string Branch);

public sealed record FindingView(string Id, string CheckId, int RuleVersion, string InsurerNo, string CardSymbol, string CardNumber,
    string Person, string ProviderCode, string ServiceMonth, IReadOnlyList<string> Receipts, long YenAtStake, string State, string Detail)
{
    /// <summary>ELIG-NONE: another card of the person that covers the month (振替 candidate); null when none is known.</summary>
    public CardView? TransferCandidate { get; init; }

    public static FindingView Of(Finding f) => new(f.Id, f.CheckId, f.RuleVersion, f.Card.InsurerNo, f.Card.Symbol, f.Card.Number, f.PersonKey,
        f.ProviderCode, f.ServiceMonth.ToString(), f.Receipts.Select(r => r.ToString()).ToList(), f.YenAtStake,
        f.State.ToString().ToLowerInvariant(), f.Detail);
}

public sealed record FindingPage(int Total, int Page, int PageSize, IReadOnlyList<FindingView> Items);

public sealed record HighCostView(string HouseholdId, int Persons, long CostYen, long CopayYen, long CapYen, long PayableYen, bool Tasuu,
    string InsurerNo, string CardSymbol, string CardNumber, string ServiceMonth)
{
    public static HighCostView Of(HighCostRow h) => new(h.HouseholdId, h.Persons, h.CostYen, h.CopayYen, h.CapYen, h.PayableYen, h.Tasuu,
        h.Card.InsurerNo, h.Card.Symbol, h.Card.Number, h.Month.ToString());
}

public sealed record ReceiptView(string Key, string Kind, string ReceiptType, string Person, string ProviderCode, string? PrescriberCode,
    bool Inpatient, int Days, int Points, long ComputedPoints, int? BenefitRatio, IReadOnlyList<string> Diagnoses, IReadOnlyList<string> Codes);

public sealed record PersonView(string PersonId, string Branch, int BirthDate, int Sex, string Event, int ValidFrom, int? ValidTo, int BurdenPct,
    string IncomeClass, string System);

public sealed record MonthView(string ServiceMonth, IReadOnlyList<ReceiptView> Receipts, IReadOnlyList<FindingView> Findings, HighCostView? HighCost);

public sealed record CombinedCareView(int Year, long MedicalBorneYen, long CareCopayYen, long CapYen, long PayableYen, long MedicalShareYen, long CareShareYen);

public sealed record HouseholdView(string InsurerNo, string CardSymbol, string CardNumber, IReadOnlyList<PersonView> Eligibility,
    IReadOnlyList<MonthView> Months, IReadOnlyList<CombinedCareView> CombinedCare);

public sealed record RulesAccepted(string Id, int Version);

/// <summary>
/// The review's queries (findings worklist, 高額療養費 list, a household's cross-month view) and the rule file. The
/// paths and JSON names are a contract used outside the project.
/// </summary>
public static class ReviewEndpoints
{
    public static void MapReviewEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Review");

        api.MapGet("/findings", async (HttpContext http, ActorHost host, TransferCandidates transfers) =>
            {
                var q = http.Request.Query;
                if (q["insurer"].FirstOrDefault() is not { Length: > 0 } insurer)
                    return Results.Problem("insurer is required", statusCode: StatusCodes.Status400BadRequest);
                if (!YearMonth.TryParse(q["service_month"].ToString(), out var month))
                    return Results.Problem("service_month is required as YYYY-MM", statusCode: StatusCodes.Status400BadRequest);
                var check = q["check"].FirstOrDefault();
                var provider = q["provider"].FirstOrDefault();
                var state = q["state"].FirstOrDefault();
                if (state is not (null or "open" or "resolved" or "withdrawn"))
                    return Results.Problem("state is open, resolved or withdrawn", statusCode: StatusCodes.Status400BadRequest);
                var minYen = long.TryParse(q["min_yen"], out var m) ? m : 0;
                var page = int.TryParse(q["page"], out var p) && p > 0 ? p : 1;
                var pageSize = int.TryParse(q["page_size"], out var s) && s is > 0 and <= 1000 ? s : 100;
                var (total, items) = Paging.Page(host.FindingsOf(insurer, month).Where(f =>
                        (check is null || f.CheckId == check) && (provider is null || f.ProviderCode == provider)
                        && (state is null || f.State.ToString().Equals(state, StringComparison.OrdinalIgnoreCase))
                        && f.YenAtStake >= minYen),
                    WorklistOrder, (page - 1L) * pageSize, pageSize);
                return Results.Ok(new FindingPage(total, page, pageSize, await transfers.AddToAsync(items.Select(FindingView.Of).ToList())));
            })
            .RequireInsurerScope("insurer")
            .AuditPersonRead("findings")
            .Produces<FindingPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Findings of an insurer's service month (filters: check, provider, state, min_yen; page, page_size), newest billing first");

        api.MapGet("/high-cost", (HttpContext http, ActorHost host) =>
            {
                var q = http.Request.Query;
                if (q["insurer"].FirstOrDefault() is not { Length: > 0 } insurer)
                    return Results.Problem("insurer is required", statusCode: StatusCodes.Status400BadRequest);
                if (!YearMonth.TryParse(q["service_month"].ToString(), out var month))
                    return Results.Problem("service_month is required as YYYY-MM", statusCode: StatusCodes.Status400BadRequest);
                var rows = host.HighCostOf(insurer, month)
                    .OrderByDescending(h => h.PayableYen).ThenBy(h => h.Card.Key, StringComparer.Ordinal)
                    .Select(HighCostView.Of).ToList();
                return Results.Ok(rows);
            })
            .RequireInsurerScope("insurer")
            .AuditPersonRead("high-cost")
            .Produces<List<HighCostView>>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("高額療養費: the households of an insurer with a payable amount in a service month");

        api.MapGet("/beneficiaries/{insurer}/{symbol}/{number}", async (string insurer, string symbol, string number, ActorHost host,
                TransferCandidates transfers) =>
            {
                // A 後期 card has no 記号: the path names it "-".
                var card = new HouseholdCard(insurer, symbol == "-" ? "" : symbol, number);
                var view = await host.ReadGrainAsync(card, grain => grain is null ? null : ViewOf(grain));
                if (view is null) return Results.Problem($"no household {card}", statusCode: StatusCodes.Status404NotFound);
                var months = new List<MonthView>();
                foreach (var month in view.Months) months.Add(month with { Findings = await transfers.AddToAsync(month.Findings) });
                return Results.Ok(view with { Months = months });
            })
            .RequireInsurerScope("insurer")
            .AuditPersonRead("beneficiary")
            .Produces<HouseholdView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A household's cross-month view: eligibility, receipts, findings and 高額療養費 by service month (記号 '-' = none)");

        api.MapPost("/rules", async (HttpContext http, SubmissionService submissions) =>
            {
                using var reader = new StreamReader(http.Request.Body);
                var json = await reader.ReadToEndAsync(http.RequestAborted);
                RuleSet rules;
                try { rules = RuleSet.Parse(json); }
                catch (FormatException e) { return Results.Problem(e.Message, title: "not a rule file", statusCode: StatusCodes.Status400BadRequest); }
                var result = await submissions.ChangeRulesAsync(json, "POST /api/v1/rules");
                return result is SubmitResult.Accepted a
                    ? Results.Accepted($"/api/v1/submissions/{a.Id}", new RulesAccepted(a.Id, rules.Version))
                    : Results.Problem("the silo cannot take the rule file now; retry", statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .RequireFederation()
            .Accepts<string>("application/json")
            .Produces<RulesAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Replace the rule set (JSON as src/Grains/Review/starter-rules.json); every household is re-reviewed under it");

        api.MapGet("/rules", (ActorHost host, RulesProvider configured) => Results.Ok(new
            {
                configured = new { configured.Rules.Version, configured.Source },
                shards = host.ReviewState().Select(s => new { shard = s.Shard, as_of = s.AsOf.ToString(), rules_version = s.RulesVersion }),
            }))
            .RequireKinds(CallerKind.Federation, CallerKind.Insurer)
            .WithSummary("The configured rule set, and per shard the rule version in force and the review clock");
    }

    /// <summary>The worklist's order: newest 請求年月 first, then the most yen at stake, then by id.</summary>
    private static readonly IComparer<Finding> WorklistOrder = Comparer<Finding>.Create((a, b) =>
    {
        var c = b.BillingMonth.CompareTo(a.BillingMonth);
        if (c == 0) c = b.YenAtStake.CompareTo(a.YenAtStake);
        return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
    });

    private static HouseholdView ViewOf(HouseholdGrain grain)
    {
        var facts = grain.Facts();
        var findings = grain.Findings.OrderBy(f => f.Id, StringComparer.Ordinal).ToList();
        var highCost = grain.HighCost.ToDictionary(h => h.Month);
        var months = facts.Receipts.Select(r => r.ServiceMonth).Concat(highCost.Keys).Concat(findings.Select(f => f.ServiceMonth))
            .Distinct().Order().Select(month => new MonthView(month.ToString(),
                facts.Receipts.Where(r => r.ServiceMonth == month).Select(r => new ReceiptView(r.Key.ToString(), r.Kind.ToString(), r.ReceiptType,
                    facts.PersonOf(r), r.Key.ProviderCode, r.PrescriberCode, r.IsInpatient, r.Days, r.DeclaredPoints, r.ComputedPoints, r.BenefitRatio,
                    r.Diagnoses.Select(d => d.Code).ToList(), r.Lines.Select(l => l.Code).Distinct().ToList())).ToList(),
                findings.Where(f => f.ServiceMonth == month).Select(FindingView.Of).ToList(),
                highCost.TryGetValue(month, out var h) ? HighCostView.Of(h) : null))
            .ToList();
        return new HouseholdView(grain.Card.InsurerNo, grain.Card.Symbol, grain.Card.Number,
            facts.Eligibility.Select(e => new PersonView(e.PersonId, e.Branch, e.BirthDate, e.Sex, e.Kind.ToString().ToLowerInvariant(), e.ValidFrom,
                e.ValidTo, e.BurdenPct, e.IncomeClass, e.System.ToString().ToLowerInvariant())).ToList(),
            months,
            HouseholdHighCost.ComputeAll(facts).Yearly.Select(c => new CombinedCareView(c.Year, c.MedicalBorneYen, c.CareCopayYen, c.CapYen,
                c.PayableYen, c.MedicalShareYen, c.CareShareYen)).ToList());
    }
}
