using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Csv;

/// <summary>特定健診 results (POST /api/v1/checkups). Empty = not measured.</summary>
public static class CheckupCsv
{
    public static readonly string[] Columns =
        ["insurer_no", "card_symbol", "card_number", "branch", "exam_date", "hba1c", "fasting_glucose", "sbp", "dbp", "egfr", "ldl", "bmi", "waist"];

    public static CsvParseResult<Checkup> Parse(byte[] bytes, string fileName) => CsvContract.Parse(bytes, fileName, Columns, row =>
        new Checkup(new HouseholdCard(row.Digits("insurer_no", 6, 8), row.Text("card_symbol"), row.Required("card_number")), row.Text("branch"),
            row.Date("exam_date"), row.OptionalDecimal("hba1c", 3m, 20m), row.OptionalInt("fasting_glucose", 20, 800),
            row.OptionalInt("sbp", 50, 300), row.OptionalInt("dbp", 20, 200), row.OptionalDecimal("egfr", 0m, 200m),
            row.OptionalInt("ldl", 10, 600), row.OptionalDecimal("bmi", 8m, 80m), row.OptionalDecimal("waist", 30m, 250m), row.Line));

    public static byte[] Write(IEnumerable<Checkup> checkups) => CsvContract.Write(Columns, checkups, c =>
    [
        c.Card.InsurerNo, c.Card.Symbol, c.Card.Number, c.Branch, CsvContract.Date(c.ExamDate), CsvContract.Number(c.HbA1c),
        c.FastingGlucose?.ToString() ?? "", c.Sbp?.ToString() ?? "", c.Dbp?.ToString() ?? "", CsvContract.Number(c.Egfr),
        c.Ldl?.ToString() ?? "", CsvContract.Number(c.Bmi), CsvContract.Number(c.Waist),
    ]);
}
