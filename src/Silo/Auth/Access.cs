namespace Shinsa.Silo.Auth;

/// <summary>
/// Endpoint filters that apply the roles to an endpoint. Every endpoint already requires an authenticated caller (the
/// fallback policy: no token → 401); these narrow it by role. How to use them on a new endpoint:
/// <code>
/// api.MapGet("/findings", …).RequireInsurerScope("insurer");                  // ?insurer=N must be the caller's insurer
/// api.MapGet("/beneficiaries/{insurer}/{symbol}/{number}", …)
///    .RequireInsurerScope("insurer")                                           // route value {insurer}
///    .AuditPersonRead("beneficiary");                                          // person-level: written to the audit log
/// api.MapGet("/host", …).RequireFederation();
/// </code>
/// <c>RequireInsurerScope</c> reads the named route value, else the query parameter: the federation passes always; an
/// <c>insurer:X</c> caller passes only when the value is X (missing = "all insurers" = 403); a <c>provider:</c> caller
/// never passes. A handler that decides by itself can call <see cref="DenyInsurer"/> or use <see cref="IAuditLog"/>.
/// </summary>
public static class Access
{
    public static TBuilder RequireInsurerScope<TBuilder>(this TBuilder builder, string parameter = "insurer")
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var value = http.Request.RouteValues.TryGetValue(parameter, out var route) && route is not null
                ? route.ToString()
                : http.Request.Query[parameter].FirstOrDefault();
            return DenyInsurer(http.Caller(), string.IsNullOrEmpty(value) ? null : value) ?? await next(context);
        });

    public static TBuilder RequireFederation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireKinds(CallerKind.Federation);

    /// <summary>Only callers of these kinds (the federation is not implied: name it).</summary>
    public static TBuilder RequireKinds<TBuilder>(this TBuilder builder, params CallerKind[] kinds)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var caller = context.HttpContext.Caller();
            if (caller is null) return Unauthenticated();
            return kinds.Contains(caller.Kind) ? await next(context) : Forbidden($"role {caller.Role} may not use this endpoint");
        });

    /// <summary>
    /// Writes every successful call to the audit log (who, what, when): for person-level views (a household, a finding's
    /// details). <paramref name="what"/> names the view; the subject is the request's path and query.
    /// </summary>
    public static TBuilder AuditPersonRead<TBuilder>(this TBuilder builder, string what) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
            if (status is >= 200 and < 300 && context.HttpContext.Caller() is { } caller)
            {
                var http = context.HttpContext;
                http.RequestServices.GetRequiredService<IAuditLog>()
                    .Record(new AuditEntry(DateTimeOffset.UtcNow, caller.Name, caller.Role, what, http.Request.Path + http.Request.QueryString));
            }
            return result;
        });

    /// <summary>Null when <paramref name="caller"/> may read <paramref name="insurerNo"/> (null = every insurer), else the 401/403 to answer.</summary>
    public static IResult? DenyInsurer(Caller? caller, string? insurerNo)
    {
        if (caller is null) return Unauthenticated();
        if (caller.MaySeeInsurer(insurerNo)) return null;
        return caller.Kind == CallerKind.Insurer
            ? Forbidden(insurerNo is null
                ? $"role {caller.Role} must name its insurer (insurer={caller.Id})"
                : $"role {caller.Role} may not read insurer {insurerNo}")
            : Forbidden($"role {caller.Role} may not read insurer data");
    }

    public static IResult Forbidden(string detail) =>
        Results.Problem(detail, title: "forbidden", statusCode: StatusCodes.Status403Forbidden);

    public static IResult Unauthenticated() =>
        Results.Problem("send a token: Authorization: Bearer <token>", title: "not authenticated", statusCode: StatusCodes.Status401Unauthorized);
}
