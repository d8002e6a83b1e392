using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Csv;

/// <summary>介護給付費 (POST /api/v1/care-claims).</summary>
public static class CareClaimCsv
{
    public static readonly string[] Columns =
        ["insurer_no", "insured_no", "provider_no", "service_month", "service_type", "service_days", "units", "unit_price_yen", "benefit_pct", "copay_yen"];

    private static readonly Dictionary<string, int> BenefitPcts = new() { ["70"] = 70, ["80"] = 80, ["90"] = 90 };

    public static CsvParseResult<CareClaim> Parse(byte[] bytes, string fileName) => CsvContract.Parse(bytes, fileName, Columns, row =>
    {
        var month = row.Month("service_month");
        return new CareClaim(row.Digits("insurer_no", 6), row.Digits("insured_no", 10), row.Digits("provider_no", 10), month,
            row.Digits("service_type", 2), row.DayMask("service_days", month), row.Int("units"), row.Decimal("unit_price_yen", 10m, 11.40m),
            row.OneOf("benefit_pct", BenefitPcts), row.Int("copay_yen"), row.Line);
    });

    public static byte[] Write(IEnumerable<CareClaim> claims) => CsvContract.Write(Columns, claims, c =>
    [
        c.InsurerNo, c.InsuredNo, c.ProviderNo, c.ServiceMonth.ToString(), c.ServiceType, CsvContract.Days(c.DayMask), c.Units.ToString(),
        CsvContract.Number(c.UnitPriceYen), c.BenefitPct.ToString(), c.CopayYen.ToString(),
    ]);
}
