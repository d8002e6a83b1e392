using System.CommandLine;
using Shinsa.Client.Commands;

var root = new RootCommand("shinsa: submit claim files to a Shinsa silo, follow them, read KPIs, run benchmarks")
{
    CommonOptions.Server,
    CommonOptions.Token,
    SubmitCommand.Create(),
    StatusCommand.Create(),
    KpiCommand.Create(),
    BenchCommand.Create(),
    GenCommand.Create(),
    ReplayCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
