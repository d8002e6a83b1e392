using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Shinsa.Silo.Auth;

/// <summary>
/// One scheme for the API and the dashboard: the token comes from <c>Authorization: Bearer …</c> or, for the browser,
/// from the HttpOnly cookie the login page sets. Either way it is looked up by its hash on every request, so removing a
/// token from the configuration (and restarting) ends its sessions too.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenRegistry tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ShinsaToken";
    public const string CookieName = "shinsa_token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken(Request) ?? Request.Cookies[CookieName];
        if (string.IsNullOrEmpty(token)) return Task.FromResult(AuthenticateResult.NoResult());
        var caller = tokens.Find(token);
        return Task.FromResult(caller is null
            ? AuthenticateResult.Fail("unknown token")
            : AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(SchemeName), SchemeName)));
    }

    internal static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem("send a token: Authorization: Bearer <token> (or log in at /login)",
            title: "not authenticated", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem("this token's role may not use this endpoint", title: "forbidden",
            statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(Context);
    }
}
