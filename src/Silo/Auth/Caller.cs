using System.Security.Claims;

namespace Shinsa.Silo.Auth;

public enum CallerKind { Federation, Insurer, Provider }

/// <summary>Who is calling: the role of the token they presented, and its holder's name (for the audit log).</summary>
public sealed record Caller(CallerKind Kind, string? Id, string Name)
{
    public const string RoleClaim = "shinsa:role";

    public string Role => Kind switch
    {
        CallerKind.Federation => "federation",
        CallerKind.Insurer => $"insurer:{Id}",
        _ => $"provider:{Id}",
    };

    public bool IsFederation => Kind == CallerKind.Federation;

    /// <summary>May this caller read data of <paramref name="insurerNo"/>? Null means "every insurer" (federation only).</summary>
    public bool MaySeeInsurer(string? insurerNo) =>
        Kind == CallerKind.Federation || (Kind == CallerKind.Insurer && insurerNo is not null && insurerNo == Id);

    /// <summary>Parses <c>federation</c>, <c>insurer:NNN</c>, <c>provider:CODE</c>; ids are digits.</summary>
    public static bool TryParseRole(string? role, out CallerKind kind, out string? id)
    {
        kind = CallerKind.Federation;
        id = null;
        if (string.IsNullOrWhiteSpace(role)) return false;
        role = role.Trim();
        if (role == "federation") return true;
        var colon = role.IndexOf(':');
        if (colon <= 0) return false;
        var value = role[(colon + 1)..];
        if (value.Length == 0 || !value.All(char.IsAsciiDigit)) return false;
        switch (role[..colon])
        {
            case "insurer": kind = CallerKind.Insurer; break;
            case "provider": kind = CallerKind.Provider; break;
            default: return false;
        }
        id = value;
        return true;
    }

    public ClaimsPrincipal ToPrincipal(string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, Name), new Claim(RoleClaim, Role)], scheme));

    public static Caller? From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true) return null;
        return TryParseRole(user.FindFirst(RoleClaim)?.Value, out var kind, out var id)
            ? new Caller(kind, id, user.Identity.Name ?? "?")
            : null;
    }
}

public static class CallerHttpExtensions
{
    /// <summary>The authenticated caller of this request, or null (anonymous endpoints only).</summary>
    public static Caller? Caller(this HttpContext http) => Auth.Caller.From(http.User);
}
