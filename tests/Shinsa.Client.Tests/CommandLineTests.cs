using System.CommandLine;
using Shinsa.Client.Commands;

namespace Shinsa.Client.Tests;

public class CommandLineTests
{
    private static RootCommand Root() => new()
    {
        CommonOptions.Server, CommonOptions.Token, SubmitCommand.Create(), StatusCommand.Create(), KpiCommand.Create(), BenchCommand.Create(),
    };

    [Theory]
    [InlineData("submit a.UKE b.UKE --server http://127.0.0.1:1 --wait --json")]
    [InlineData("status u123 --server http://127.0.0.1:1")]
    [InlineData("kpi --service-month 2021-10 --insurer 040014 --provider 0000000 --json")]
    [InlineData("bench ingest --receipts 1000 --concurrency 2")]
    [InlineData("bench ingest --receipts 1000 --rounds 1 --warmup 0")]
    public void Documented_command_lines_parse(string line) => Assert.Empty(Root().Parse(line).Errors);

    [Theory]
    [InlineData("submit")]
    [InlineData("kpi --insurer 040014")]
    [InlineData("status")]
    [InlineData("bench ingest --receipts many")]
    [InlineData("bench ingest --rounds 0")]
    public void Incomplete_command_lines_are_errors(string line) => Assert.NotEmpty(Root().Parse(line).Errors);

    [Fact]
    public void Server_defaults_to_the_silos_default_url()
    {
        var parse = Root().Parse("kpi --service-month 2021-10");
        var expected = Environment.GetEnvironmentVariable("SHINSA_SERVER") is { Length: > 0 } s ? s : "http://127.0.0.1:5080";
        Assert.Equal(expected, parse.GetValue(CommonOptions.Server));
    }
}
