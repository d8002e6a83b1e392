using System.CommandLine;
using Shinsa.Client.Generation;
using Spectre.Console;

namespace Shinsa.Client.Commands;

/// <summary>`shinsa replay DIR`: stream a generated month into a silo and reconcile its totals with the manifest.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "A directory written by `shinsa gen`" };
        var rate = new Option<double?>("--rate") { Description = "Files per second at most (default: as fast as the silo takes them)" };
        var shuffle = new Option<bool>("--shuffle") { Description = "Send each month's files in a random order, eligibility included" };
        var seed = new Option<int>("--seed") { Description = "Seed of the shuffle", DefaultValueFactory = _ => 1 };
        var concurrency = new Option<int>("--concurrency") { Description = "Files in flight at once", DefaultValueFactory = _ => 4 };
        var command = new Command("replay", "Replay a generated month into a silo, then compare the silo's totals with the generator's manifest. Exit code 1 on any difference.")
        {
            dir, rate, shuffle, seed, concurrency, CommonOptions.Json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var replayer = new Replayer(CommonOptions.ClientFor(parse), parse.GetValue(dir)!);
            var shuffleSeed = parse.GetValue(shuffle) ? parse.GetValue(seed) : (int?)null;
            ReplayReport report = null!;
            if (parse.GetValue(CommonOptions.Json) || Console.IsOutputRedirected)
                report = await replayer.RunAsync(parse.GetValue(rate), shuffleSeed, parse.GetValue(concurrency), null, ct);
            else
                await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("replaying");
                        report = await replayer.RunAsync(parse.GetValue(rate), shuffleSeed, parse.GetValue(concurrency),
                            (done, total) => { task.MaxValue = total; task.Value = done; }, ct);
                    });
            if (parse.GetValue(CommonOptions.Json)) Console.WriteLine(CommonOptions.ToJson(report));
            else
            {
                AnsiConsole.MarkupLine($"files {report.Files:N0}; receipts submitted {report.Submitted:N0}, accepted {report.Accepted:N0}, rejected {report.Rejected:N0}");
                var table = new Table().Border(TableBorder.Rounded).AddColumns("scope", "receipts (manifest / server)", "points (manifest / server)", "days (manifest / server)", "");
                foreach (var l in report.Lines.Where(l => !l.Scope.Contains(' ') || !l.Matches))
                    table.AddRow(l.Scope, $"{l.ExpectedReceipts:N0} / {l.ServerReceipts:N0}", $"{l.ExpectedPoints:N0} / {l.ServerPoints:N0}",
                        $"{l.ExpectedDays:N0} / {l.ServerDays:N0}", l.Matches ? "[green]OK[/]" : "[red]DIFFERS[/]");
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine(report.AllMatch ? "[green]every total matches the manifest[/]" : "[red]some totals differ from the manifest[/]");
            }
            return report.AllMatch ? 0 : 1;
        });
        return command;
    }
}
