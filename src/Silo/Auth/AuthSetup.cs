using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Shinsa.Silo.Hosting;

namespace Shinsa.Silo.Auth;

public sealed record Me(string Name, string Role, string Kind, string? Id);
public sealed record AuditPage(int Total, IReadOnlyList<AuditEntry> Items);

/// <summary>Wires tokens, the login cookie, the access store and the audit endpoint into the silo.</summary>
public static class AuthSetup
{
    public static void AddShinsaAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section));
        builder.Services.AddSingleton<TokenRegistry>();
        builder.Services.AddSingleton(sp => Storage.StoreFactory.CreateAccessStore(sp.GetRequiredService<IOptions<ShinsaOptions>>().Value));
        builder.Services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<IAccessStore>());
        builder.Services.AddSingleton<ISubmissionOwners>(sp => sp.GetRequiredService<IAccessStore>());
        builder.Services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        // Secure by default: every endpoint needs a known token unless it says AllowAnonymous (health, OpenAPI, login).
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(TokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
    }

    /// <summary>Authentication and authorization middleware, the login/logout/me/audit endpoints, and the one-time token line.</summary>
    public static void UseShinsaAuth(this WebApplication app)
    {
        var tokens = app.Services.GetRequiredService<TokenRegistry>(); // a bad token entry stops the start here
        app.Services.GetRequiredService<IAccessStore>();
        app.UseAuthentication();
        app.UseAuthorization();

        if (tokens.GeneratedAdminToken is { } generated)
            app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogWarning(
                "No Shinsa__Auth__AdminToken set: generated the admin (federation) token for this run: {AdminToken} " +
                "(log in at /login, or send Authorization: Bearer <token>)", generated));
        else if (tokens.Count == 0)
            app.Logger.LogWarning("No tokens configured (Shinsa:Auth): every API call will be refused with 401");

        app.MapPost("/login", async (HttpContext http, TokenRegistry registry) =>
            {
                var form = await http.Request.ReadFormAsync();
                var token = form["token"].ToString().Trim();
                if (registry.Find(token) is null) return Results.Redirect("/login?error=1");
                http.Response.Cookies.Append(TokenAuthenticationHandler.CookieName, token, new CookieOptions
                {
                    HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/", IsEssential = true,
                });
                return Results.Redirect("/");
            })
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();

        app.MapPost("/logout", (HttpContext http) =>
            {
                http.Response.Cookies.Delete(TokenAuthenticationHandler.CookieName, new CookieOptions { Path = "/" });
                return Results.Redirect("/login");
            })
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();

        var api = app.MapGroup("/api/v1").WithTags("Access");
        api.MapGet("/me", (HttpContext http) =>
            {
                var caller = http.Caller()!;
                return Results.Ok(new Me(caller.Name, caller.Role, caller.Kind.ToString().ToLowerInvariant(), caller.Id));
            })
            .Produces<Me>()
            .WithSummary("Who the token belongs to and its role (federation, insurer:N, provider:CODE)");

        api.MapGet("/audit", (HttpContext http, IAuditLog audit) =>
            {
                var query = http.Request.Query;
                var limit = int.TryParse(query["limit"], out var n) ? n : 100;
                var items = audit.Query(query["who"].FirstOrDefault(), query["what"].FirstOrDefault(), limit);
                return Results.Ok(new AuditPage(items.Count, items));
            })
            .RequireFederation()
            .Produces<AuditPage>()
            .WithSummary("Person-level reads (who, what, when), newest first; ?who=NAME&what=VIEW&limit=N. Federation only.");
    }
}
