using System.CommandLine;
using Shinsa.Client.Api;

namespace Shinsa.Client.Commands;

/// <summary>Options every command that talks to a silo shares.</summary>
internal static class CommonOptions
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    public static readonly Option<string> Server = new("--server")
    {
        Description = "The silo's URL (default: $SHINSA_SERVER or " + DefaultServer + ")",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SHINSA_SERVER") is { Length: > 0 } s ? s : DefaultServer,
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "Bearer token (default: $SHINSA_TOKEN)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SHINSA_TOKEN"),
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of tables" };

    public static ShinsaClient ClientFor(ParseResult parse) => ShinsaClient.For(parse.GetValue(Server)!, parse.GetValue(Token));

    public static string ToJson<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, ShinsaClient.Json);
}
