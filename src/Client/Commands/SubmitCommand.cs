using System.CommandLine;
using Shinsa.Client.Api;
using Spectre.Console;

namespace Shinsa.Client.Commands;

/// <summary>
/// `shinsa submit FILE...`: send claim files and Shinsa CSVs (each CSV goes to the feed its header names) and report
/// what the silo made of each.
/// </summary>
internal static class SubmitCommand
{
    private sealed record Outcome(string File, string? Id, SubmissionStatus? Status, RowsAccepted? Rows, string? Failure);

    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Files or directories (a directory means every file in it)", Arity = ArgumentArity.OneOrMore };
        var wait = new Option<bool>("--wait") { Description = "Wait until every submission is applied (in the grains and the KPIs)" };
        var command = new Command("submit", "Submit claim files. Exit code 1 when a file is refused or cannot be sent; rejected receipts are reported, not failures.")
        {
            files, wait, CommonOptions.Json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var paths = Expand(parse.GetValue(files)!);
            var client = CommonOptions.ClientFor(parse);
            var json = parse.GetValue(CommonOptions.Json);
            var waitApplied = parse.GetValue(wait);

            async Task<Outcome> One(string path)
            {
                try
                {
                    var bytes = await File.ReadAllBytesAsync(path, ct);
                    if (InputKinds.CsvFeedOf(bytes) is { } feed)
                    {
                        var accepted = await client.SubmitCsvAsync(feed, bytes, path, ct);
                        if (waitApplied) await client.WaitAppliedAsync(accepted.Id, TimeSpan.FromMinutes(30), ct);
                        return new Outcome(path, accepted.Id, null, accepted, null);
                    }
                    var id = await client.SubmitAsync(bytes, path, ct);
                    var status = waitApplied ? await client.WaitAppliedAsync(id, TimeSpan.FromMinutes(30), ct) : await client.GetSubmissionAsync(id, ct);
                    return new Outcome(path, id, status, null, null);
                }
                catch (Exception e) when (e is ShinsaApiException or HttpRequestException or IOException or TimeoutException)
                {
                    return new Outcome(path, null, null, null, e.Message);
                }
            }

            var outcomes = new List<Outcome>();
            if (paths.Count > 1 && !json && !Console.IsOutputRedirected)
            {
                await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"Submitting {paths.Count} files", maxValue: paths.Count);
                        foreach (var path in paths)
                        {
                            outcomes.Add(await One(path));
                            task.Increment(1);
                        }
                    });
            }
            else
            {
                foreach (var path in paths) outcomes.Add(await One(path));
            }

            if (json)
                foreach (var o in outcomes) Console.WriteLine(CommonOptions.ToJson(new { file = o.File, id = o.Id, status = o.Status, rows = o.Rows, error = o.Failure }));
            else
                Print(outcomes);
            return outcomes.Any(o => o.Failure is not null) ? 1 : 0;
        });
        return command;
    }

    private static List<string> Expand(IEnumerable<string> paths) =>
        paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order() : (IEnumerable<string>)[p]).ToList();

    private static void Print(List<Outcome> outcomes)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("file", "id", "status", "submitted", "accepted", "rejected", "points", "warnings");
        foreach (var o in outcomes)
        {
            var counts = o.Status?.Receipts ?? o.Rows?.Rows;
            table.AddRow(
                Markup.Escape(Path.GetFileName(o.File)),
                Markup.Escape(o.Id ?? "-"),
                o.Failure is not null ? "[red]refused[/]" : Markup.Escape(o.Status?.Status ?? "accepted"),
                Num(counts?.Submitted), Num(counts?.Accepted),
                counts?.Rejected > 0 ? $"[yellow]{Num(counts.Rejected)}[/]" : Num(counts?.Rejected),
                Num(o.Status?.Points), Num(o.Status?.Warnings.Count));
        }
        AnsiConsole.Write(table);
        foreach (var o in outcomes)
        {
            if (o.Failure is not null) AnsiConsole.MarkupLine($"[red]{Markup.Escape(o.File)}: {Markup.Escape(o.Failure)}[/]");
            foreach (var w in o.Status?.Warnings ?? []) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(o.File)}: warning: {Markup.Escape(w)}[/]");
            foreach (var e in (o.Status?.Errors ?? o.Rows?.Errors ?? []))
                AnsiConsole.MarkupLine($"{Markup.Escape(o.File)}:{e.Line}: {Markup.Escape(e.Reason)}");
        }
    }

    internal static string Num(long? n) => n is null ? "-" : n.Value.ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("ja-JP"));
}
