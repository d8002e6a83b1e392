using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Csv;

/// <summary>柔道整復 claims (POST /api/v1/judo-claims), Shinsa's own contract (documented in the README).</summary>
public static class JudoClaimCsv
{
    public static readonly string[] Columns =
    [
        "provider_code", "billing_month", "claim_no", "insurer_no", "card_symbol", "card_number", "branch", "birth_date", "sex",
        "service_month", "injury_date", "injury_code", "parts", "treatment_days", "cost_yen", "copay_yen",
    ];

    private static readonly Dictionary<string, byte> Sexes = new() { ["1"] = 1, ["2"] = 2 };

    public static CsvParseResult<JudoClaim> Parse(byte[] bytes, string fileName) => CsvContract.Parse(bytes, fileName, Columns, row =>
    {
        var provider = row.Digits("provider_code", 7);
        var billing = row.Month("billing_month");
        var claimNo = row.Int("claim_no", 1);
        var card = new HouseholdCard(row.Digits("insurer_no", 6, 8), row.Text("card_symbol"), row.Required("card_number"));
        var branch = row.Text("branch");
        var birth = row.Date("birth_date");
        var sex = row.OneOf("sex", Sexes);
        var month = row.Month("service_month");
        if (month > billing) throw row.Fail("service_month", $"is after billing_month {billing}");
        var injury = row.Date("injury_date");
        if (injury / 100 > month.Value) throw row.Fail("injury_date", $"is after service_month {month}");
        var code = row.Required("injury_code");
        var parts = row.Int("parts", 1, 10);
        var days = row.DayMask("treatment_days", month);
        var cost = row.Int("cost_yen");
        var copay = row.Int("copay_yen");
        if (copay > cost) throw row.Fail("copay_yen", $"is more than cost_yen {cost}");
        return new JudoClaim(provider, billing, claimNo, card, branch, birth, sex, month, injury, code, parts, days, cost, copay, row.Line);
    });

    public static byte[] Write(IEnumerable<JudoClaim> claims) => CsvContract.Write(Columns, claims, c =>
    [
        c.ProviderCode, c.BillingMonth.ToString(), c.ClaimNo.ToString(), c.Card.InsurerNo, c.Card.Symbol, c.Card.Number, c.Branch,
        CsvContract.Date(c.BirthDate), c.Sex.ToString(), c.ServiceMonth.ToString(), CsvContract.Date(c.InjuryDate), c.InjuryCode,
        c.Parts.ToString(), CsvContract.Days(c.DayMask), c.CostYen.ToString(), c.CopayYen.ToString(),
    ]);
}
