using Shinsa.Grains.Records;
using Shinsa.Ingestion.Csv;

namespace Shinsa.Ingestion.Eligibility;

/// <summary>The eligibility feed (資格), Shinsa's CSV contract of DOMAIN.md.</summary>
public static class EligibilityCsvParser
{
    public static readonly string[] Columns =
    [
        "event", "person_id", "household_id", "insurer_no", "card_symbol", "card_number", "branch", "birth_date", "sex",
        "valid_from", "valid_to", "burden_pct", "income_class", "system",
    ];

    private static readonly Dictionary<string, EligibilityEventKind> Kinds = new()
    {
        ["acquire"] = EligibilityEventKind.Acquire, ["lose"] = EligibilityEventKind.Lose, ["change"] = EligibilityEventKind.Change,
    };
    private static readonly Dictionary<string, InsuranceSystem> Systems = new()
    {
        ["kokuho"] = InsuranceSystem.Kokuho, ["kouki"] = InsuranceSystem.Kouki, ["kaigo"] = InsuranceSystem.Kaigo,
    };
    private static readonly Dictionary<string, string> IncomeClasses =
        new[] { "ア", "イ", "ウ", "エ", "オ", "現役並み3", "現役並み2", "現役並み1", "一般", "低所得2", "低所得1" }.ToDictionary(c => c);
    private static readonly Dictionary<string, int> BurdenPcts = new() { ["10"] = 10, ["20"] = 20, ["30"] = 30 };
    private static readonly Dictionary<string, byte> Sexes = new() { ["1"] = 1, ["2"] = 2 };

    public static CsvParseResult<EligibilityEvent> Parse(byte[] bytes, string fileName) => CsvContract.Parse(bytes, fileName, Columns, Read);

    private static EligibilityEvent Read(CsvRow row)
    {
        var kind = row.OneOf("event", Kinds);
        var person = row.Required("person_id");
        var household = row.Required("household_id");
        var insurer = row.Digits("insurer_no", 6, 8);
        // card_symbol may be empty: 後期 cards have a personal number and no 記号.
        var number = row.Required("card_number");
        var birth = row.Date("birth_date");
        var sex = row.OneOf("sex", Sexes);
        var from = row.Date("valid_from");
        var to = row.OptionalDate("valid_to");
        if (to < from) throw row.Fail("valid_to", $"is before valid_from {row.Raw("valid_from")}");
        if (to is null && kind == EligibilityEventKind.Lose) throw new CsvRowException("column valid_to is required on a lose row");
        var burden = row.OneOf("burden_pct", BurdenPcts);
        var income = row.OneOf("income_class", IncomeClasses);
        var system = row.OneOf("system", Systems);
        var card = new HouseholdCard(insurer, row.Text("card_symbol"), number);
        return new EligibilityEvent(kind, person, household, card, row.Text("branch"), birth, sex, from, to, burden, income, system, row.Line);
    }
}
