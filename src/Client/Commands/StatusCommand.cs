using System.CommandLine;
using Spectre.Console;

namespace Shinsa.Client.Commands;

/// <summary>`shinsa status ID`: one submission's counts, messages and state.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The id `submit` printed" };
        var command = new Command("status", "Show a submission's status, counts, warnings and errors") { id, CommonOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            var status = await CommonOptions.ClientFor(parse).GetSubmissionAsync(parse.GetValue(id)!, ct);
            if (parse.GetValue(CommonOptions.Json))
            {
                Console.WriteLine(CommonOptions.ToJson(status));
                return 0;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "status", "submitted", "accepted", "rejected", "points");
            table.AddRow(Markup.Escape(status.Id), Markup.Escape(status.Status), SubmitCommand.Num(status.Receipts.Submitted),
                SubmitCommand.Num(status.Receipts.Accepted), SubmitCommand.Num(status.Receipts.Rejected), SubmitCommand.Num(status.Points));
            AnsiConsole.Write(table);
            foreach (var w in status.Warnings) AnsiConsole.MarkupLine($"[yellow]warning: {Markup.Escape(w)}[/]");
            foreach (var e in status.Errors) AnsiConsole.MarkupLine($"line {e.Line}: {Markup.Escape(e.Reason)}");
            return 0;
        });
        return command;
    }
}
