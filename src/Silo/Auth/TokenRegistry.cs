using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Shinsa.Silo.Hosting;

namespace Shinsa.Silo.Auth;

/// <summary>
/// The configured tokens, by the SHA-256 of the token. Built once at start; a wrong entry (bad hash or role) stops the
/// start with its reason.
/// </summary>
public sealed class TokenRegistry
{
    private readonly Dictionary<string, Caller> _byHash = new(StringComparer.OrdinalIgnoreCase);

    public TokenRegistry(IOptions<AuthOptions> auth, IOptions<ShinsaOptions> shinsa)
    {
        var options = auth.Value;
        for (var i = 0; i < options.Tokens.Count; i++)
        {
            var entry = options.Tokens[i];
            var hash = entry.Hash.Trim();
            if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
                throw new InvalidOperationException($"Shinsa:Auth:Tokens:{i}:Hash must be the 64-digit SHA-256 hex of the token");
            if (!Caller.TryParseRole(entry.Role, out var kind, out var id))
                throw new InvalidOperationException(
                    $"Shinsa:Auth:Tokens:{i}:Role is '{entry.Role}': use federation, insurer:<insurer_no> or provider:<code>");
            _byHash[hash] = new Caller(kind, id, string.IsNullOrWhiteSpace(entry.Name) ? $"token {i}" : entry.Name);
        }

        var admin = options.AdminToken;
        if (string.IsNullOrEmpty(admin) && shinsa.Value.Storage.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            admin = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            GeneratedAdminToken = admin;
        }
        if (!string.IsNullOrEmpty(admin)) _byHash[HashOf(admin)] = new Caller(CallerKind.Federation, null, "admin");
    }

    /// <summary>The admin token generated for this run when none was configured (logged once at start), else null.</summary>
    public string? GeneratedAdminToken { get; }

    public int Count => _byHash.Count;

    public Caller? Find(string? token) =>
        string.IsNullOrEmpty(token) ? null : _byHash.GetValueOrDefault(HashOf(token));

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
