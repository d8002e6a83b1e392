namespace Shinsa.Silo.Auth;

/// <summary>
/// Section "Shinsa:Auth". Tokens are configured by their SHA-256 (hex) only, never in clear; the admin token (role
/// <c>federation</c>) comes from the environment (<c>Shinsa__Auth__AdminToken</c>). On the embedded default (SQLite)
/// with no admin token, the silo generates one at start and logs it once.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Shinsa:Auth";

    /// <summary>The federation's admin token in clear (set it through the environment, not a file).</summary>
    public string AdminToken { get; set; } = "";

    /// <summary>Further callers: <c>{ "Hash": "&lt;sha256 hex of the token&gt;", "Role": "insurer:01010016", "Name": "…" }</c>.</summary>
    public List<TokenEntry> Tokens { get; set; } = [];
}

public sealed class TokenEntry
{
    /// <summary>SHA-256 of the token's UTF-8 bytes, hexadecimal (e.g. <c>printf %s "$TOKEN" | sha256sum</c>).</summary>
    public string Hash { get; set; } = "";

    /// <summary><c>federation</c>, <c>insurer:&lt;insurer_no&gt;</c> or <c>provider:&lt;code&gt;</c>.</summary>
    public string Role { get; set; } = "";

    /// <summary>Who holds the token, as written in the audit log.</summary>
    public string Name { get; set; } = "";
}
