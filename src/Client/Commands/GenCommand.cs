using System.CommandLine;
using System.Diagnostics;
using Shinsa.Client.Generation;
using Shinsa.Grains.Records;
using Spectre.Console;

namespace Shinsa.Client.Commands;

/// <summary>`shinsa gen`: a synthetic prefecture in the real formats, deterministic by seed.</summary>
internal static class GenCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "tiny (a thousand people), small (a few thousand receipts a month) or miyagi (≈ a real prefecture)", DefaultValueFactory = _ => "small" };
        var months = new Option<int>("--months") { Description = "Service months to generate", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Same seed and options → byte-identical output", DefaultValueFactory = _ => 1 };
        var first = new Option<string>("--first-month") { Description = "First service month (YYYY-MM)", DefaultValueFactory = _ => "2024-04" };
        var outDir = new Option<string>("--out") { Description = "Output directory", Required = true };
        var anomalyRate = new Option<double>("--anomaly-rate")
        {
            Description = "Labelled anomalies per check id, per active person and month (labels.jsonl); 0 = clean data", DefaultValueFactory = _ => 0.002,
        };
        anomalyRate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or > 0.1) result.AddError("--anomaly-rate is between 0 and 0.1");
        });
        var command = new Command("gen", "Generate a synthetic prefecture: eligibility and feed CSVs, UKE files per provider and month, manifest.json, labels.jsonl")
        {
            preset, months, seed, first, outDir, anomalyRate,
        };
        command.SetAction(parse =>
        {
            var rate = parse.GetValue(anomalyRate);
            var generator = new PrefectureGenerator(Preset.Named(parse.GetValue(preset)!), parse.GetValue(months), parse.GetValue(seed),
                YearMonth.Parse(parse.GetValue(first)!), rate);
            var dir = parse.GetValue(outDir)!;
            var clock = Stopwatch.StartNew();
            Manifest manifest = null!;
            if (Console.IsOutputRedirected) manifest = generator.Generate(dir);
            else
                AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .Start(progress =>
                    {
                        var task = progress.AddTask("generating", maxValue: 1);
                        manifest = generator.Generate(dir, (month, fraction) => { task.Description = month; task.Value = fraction; });
                    });
            var table = new Table().Border(TableBorder.Rounded).AddColumns("service month", "files", "receipts", "days", "points", "eligibility rows");
            foreach (var m in manifest.Months)
                table.AddRow(m.ServiceMonth, SubmitCommand.Num(m.ClaimFiles.Count), SubmitCommand.Num(m.Receipts), SubmitCommand.Num(m.Days),
                    SubmitCommand.Num(m.Points), SubmitCommand.Num(m.EligibilityRows));
            AnsiConsole.Write(table);
            var labels = PrefectureGenerator.ReadLabels(dir);
            AnsiConsole.MarkupLine($"{manifest.Persons:N0} people; {labels.Count:N0} labelled anomalies ({string.Join(", ", labels.GroupBy(l => l.Check).Select(g => $"{g.Key} {g.Count()}"))}); written to {Markup.Escape(dir)} in {clock.Elapsed.TotalSeconds:N1} s");
            return 0;
        });
        return command;
    }
}
