using System.Globalization;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Text;

namespace Shinsa.Ingestion.Eligibility;

public sealed record EligibilityParseResult(
    string FileName,
    IReadOnlyList<EligibilityEvent> Events,
    IReadOnlyList<IngestError> Errors,
    int Submitted,
    string? FileRejectionReason = null)
{
    public bool IsFileRejected => FileRejectionReason is not null;
    public int Accepted => Events.Count;
    public int Rejected => Submitted - Accepted;
}

/// <summary>
/// The eligibility feed (資格), Shinsa's CSV contract of DOMAIN.md: UTF-8, a header row, these columns first (extra
/// columns may follow). A row that breaks the contract is rejected with its line number and the column at fault.
/// </summary>
public static class EligibilityCsvParser
{
    public static readonly string[] Columns =
    [
        "event", "person_id", "household_id", "insurer_no", "card_symbol", "card_number", "branch", "birth_date", "sex",
        "valid_from", "valid_to", "burden_pct", "income_class", "system",
    ];

    private static readonly HashSet<string> IncomeClasses = ["ア", "イ", "ウ", "エ", "オ", "現役並み3", "現役並み2", "現役並み1", "一般", "低所得2", "低所得1"];

    public static EligibilityParseResult Parse(byte[] bytes, string fileName)
    {
        var (isUtf8, start) = InputText.Detect(bytes);
        if (!isUtf8) return Rejected(fileName, "the file is not UTF-8");
        var lines = LineReader.Split(bytes, start, isUtf8: true);
        var header = lines.FirstOrDefault(l => l.Length > 0);
        if (header.Length == 0) return Rejected(fileName, "the file is empty: expected a header row");
        var names = InputText.StrictUtf8.GetString(bytes, header.Start, header.Length).Split(',').Select(n => n.Trim()).ToArray();
        if (names.Length < Columns.Length || !names.Take(Columns.Length).SequenceEqual(Columns))
            return Rejected(fileName, $"line {header.Number}: the header must start with {string.Join(',', Columns)}");

        var events = new List<EligibilityEvent>();
        var errors = new List<IngestError>();
        var submitted = 0;
        var fields = new CsvFields();
        foreach (var line in lines.Where(l => l.Number > header.Number && l.Length > 0))
        {
            submitted++;
            fields.Load(InputText.StrictUtf8.GetString(bytes, line.Start, line.Length));
            var result = ParseRow(fields, line.Number);
            if (result.Error is not null) errors.Add(new IngestError(fileName, line.Number, result.Error));
            else events.Add(result.Event!);
        }
        return new EligibilityParseResult(fileName, events, errors, submitted);
    }

    private static EligibilityParseResult Rejected(string fileName, string reason) =>
        new(fileName, [], [new IngestError(fileName, 0, reason)], 0, reason);

    private static (EligibilityEvent? Event, string? Error) ParseRow(CsvFields f, int line)
    {
        if (f.Count < Columns.Length) return (null, $"{f.Count} columns, expected {Columns.Length}");
        string Col(int i) => f[i + 1].Trim().ToString();
        string? Fail(int i, string why) => $"column {Columns[i]}: '{UkeShorten(Col(i))}' {why}";

        var kind = Col(0) switch
        {
            "acquire" => EligibilityEventKind.Acquire,
            "lose" => EligibilityEventKind.Lose,
            "change" => EligibilityEventKind.Change,
            _ => (EligibilityEventKind)0,
        };
        if (kind == 0) return (null, Fail(0, "is not acquire, lose or change"));
        // card_symbol (4) may be empty: 後期 cards have a personal number and no 記号.
        foreach (var i in (int[])[1, 2, 3, 5])
            if (Col(i).Length == 0) return (null, $"column {Columns[i]} is empty");
        var insurer = Col(3);
        if (insurer.Length is not (6 or 8) || !insurer.All(char.IsAsciiDigit)) return (null, Fail(3, "is not 6 or 8 digits"));
        if (!TryDate(Col(7), out var birth)) return (null, Fail(7, "is not a date (YYYY-MM-DD)"));
        if (Col(8) is not ("1" or "2")) return (null, Fail(8, "is not 1 or 2"));
        if (!TryDate(Col(9), out var from)) return (null, Fail(9, "is not a date (YYYY-MM-DD)"));
        int? to = null;
        if (Col(10).Length > 0)
        {
            if (!TryDate(Col(10), out var t)) return (null, Fail(10, "is not a date (YYYY-MM-DD)"));
            if (t < from) return (null, Fail(10, $"is before valid_from {Col(9)}"));
            to = t;
        }
        else if (kind == EligibilityEventKind.Lose) return (null, "column valid_to is required on a lose row");
        if (Col(11) is not ("10" or "20" or "30")) return (null, Fail(11, "is not 10, 20 or 30"));
        if (!IncomeClasses.Contains(Col(12))) return (null, Fail(12, $"is not one of {string.Join('|', IncomeClasses)}"));
        var system = Col(13) switch
        {
            "kokuho" => InsuranceSystem.Kokuho,
            "kouki" => InsuranceSystem.Kouki,
            "kaigo" => InsuranceSystem.Kaigo,
            _ => (InsuranceSystem)0,
        };
        if (system == 0) return (null, Fail(13, "is not kokuho, kouki or kaigo"));

        var card = new HouseholdCard(insurer, InputText.Normalize(Col(4)), InputText.Normalize(Col(5)));
        return (new EligibilityEvent(kind, Col(1), Col(2), card, InputText.Normalize(Col(6)), birth, byte.Parse(Col(8)), from, to,
            int.Parse(Col(11)), Col(12), system, line), null);
    }

    private static string UkeShorten(string s) => s.Length <= 20 ? s : s[..20] + "…";

    private static bool TryDate(string s, out int date)
    {
        date = 0;
        if (!DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return false;
        date = d.Year * 10000 + d.Month * 100 + d.Day;
        return true;
    }
}
