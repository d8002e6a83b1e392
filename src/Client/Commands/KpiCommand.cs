using System.CommandLine;
using Spectre.Console;

namespace Shinsa.Client.Commands;

/// <summary>`shinsa kpi --service-month YYYY-MM`: 件数・日数・点数・費用額 for a month, an insurer, a provider.</summary>
internal static class KpiCommand
{
    public static Command Create()
    {
        var month = new Option<string>("--service-month") { Description = "診療年月 as YYYY-MM", Required = true };
        var insurer = new Option<string?>("--insurer") { Description = "保険者番号" };
        var provider = new Option<string?>("--provider") { Description = "医療機関コード (7 digits)" };
        var command = new Command("kpi", "Show the KPI summary of a service month") { month, insurer, provider, CommonOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            var kpi = await CommonOptions.ClientFor(parse).GetKpiSummaryAsync(parse.GetValue(month)!, parse.GetValue(insurer), parse.GetValue(provider), ct);
            if (parse.GetValue(CommonOptions.Json))
            {
                Console.WriteLine(CommonOptions.ToJson(kpi));
                return 0;
            }
            var scope = string.Join(" ", new[] { parse.GetValue(month), parse.GetValue(insurer), parse.GetValue(provider) }.Where(s => !string.IsNullOrEmpty(s)));
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(scope))
                .AddColumn("件数 receipts", c => c.RightAligned()).AddColumn("日数 days", c => c.RightAligned())
                .AddColumn("点数 points", c => c.RightAligned()).AddColumn("費用額 cost (yen)", c => c.RightAligned());
            table.AddRow(SubmitCommand.Num(kpi.Receipts), SubmitCommand.Num(kpi.Days), SubmitCommand.Num(kpi.Points), SubmitCommand.Num(kpi.CostYen));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
