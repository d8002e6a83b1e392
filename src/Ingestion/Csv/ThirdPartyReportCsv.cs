using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Csv;

/// <summary>傷病届 (POST /api/v1/third-party-reports).</summary>
public static class ThirdPartyReportCsv
{
    public static readonly string[] Columns = ["insurer_no", "card_symbol", "card_number", "branch", "report_date", "cause"];

    public static CsvParseResult<ThirdPartyReport> Parse(byte[] bytes, string fileName) => CsvContract.Parse(bytes, fileName, Columns, row =>
        new ThirdPartyReport(new HouseholdCard(row.Digits("insurer_no", 6, 8), row.Text("card_symbol"), row.Required("card_number")),
            row.Text("branch"), row.Date("report_date"), row.Required("cause"), row.Line));

    public static byte[] Write(IEnumerable<ThirdPartyReport> reports) => CsvContract.Write(Columns, reports, r =>
        [r.Card.InsurerNo, r.Card.Symbol, r.Card.Number, r.Branch, CsvContract.Date(r.ReportDate), r.Cause]);
}
