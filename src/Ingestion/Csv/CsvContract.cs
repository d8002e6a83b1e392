using System.Globalization;
using System.Text;
using Shinsa.Ingestion.Text;

namespace Shinsa.Ingestion.Csv;

/// <summary>
/// Everything a Shinsa CSV file gave: the accepted rows, one error per rejected row (plus a file-level one when the
/// file is refused as a whole). <c>Accepted + Rejected == Submitted</c> always.
/// </summary>
public sealed record CsvParseResult<T>(
    string FileName,
    IReadOnlyList<T> Rows,
    IReadOnlyList<IngestError> Errors,
    int Submitted,
    string? FileRejectionReason = null)
{
    public bool IsFileRejected => FileRejectionReason is not null;
    public int Accepted => Rows.Count;
    public int Rejected => Submitted - Accepted;
}

/// <summary>
/// Shinsa's own CSV contracts (DOMAIN.md "Other inputs"): UTF-8, a header row that starts with the fixed columns
/// (extra columns may follow), no quoting. A row that breaks the contract is rejected with its line number and the
/// column at fault; the other rows are still read.
/// </summary>
public static class CsvContract
{
    public static CsvParseResult<T> Parse<T>(byte[] bytes, string fileName, IReadOnlyList<string> columns, Func<CsvRow, T> read)
    {
        var (isUtf8, start) = InputText.Detect(bytes);
        if (!isUtf8) return Refused<T>(fileName, "the file is not UTF-8");
        var lines = LineReader.Split(bytes, start, isUtf8: true);
        var header = lines.FirstOrDefault(l => l.Length > 0);
        if (header.Length == 0) return Refused<T>(fileName, "the file is empty: expected a header row");
        var names = InputText.StrictUtf8.GetString(bytes, header.Start, header.Length).Split(',').Select(n => n.Trim()).ToArray();
        if (names.Length < columns.Count || !names.Take(columns.Count).SequenceEqual(columns))
            return Refused<T>(fileName, $"line {header.Number}: the header must start with {string.Join(',', columns)}");

        var rows = new List<T>();
        var errors = new List<IngestError>();
        var submitted = 0;
        var row = new CsvRow(columns);
        foreach (var line in lines)
        {
            if (line.Number <= header.Number || line.Length == 0) continue;
            submitted++;
            try
            {
                row.Load(InputText.StrictUtf8.GetString(bytes, line.Start, line.Length), line.Number);
                rows.Add(read(row));
            }
            catch (CsvRowException e)
            {
                errors.Add(new IngestError(fileName, line.Number, e.Message));
            }
        }
        return new CsvParseResult<T>(fileName, rows, errors, submitted);
    }

    private static CsvParseResult<T> Refused<T>(string fileName, string reason) =>
        new(fileName, [], [new IngestError(fileName, 0, reason)], 0, reason);

    /// <summary>Writes rows under the contract's header (UTF-8, CRLF), as the generator and tests need them.</summary>
    public static byte[] Write<T>(IReadOnlyList<string> columns, IEnumerable<T> rows, Func<T, IEnumerable<string>> fields)
    {
        var sb = new StringBuilder().AppendJoin(',', columns).Append("\r\n");
        foreach (var r in rows) sb.AppendJoin(',', fields(r)).Append("\r\n");
        return new UTF8Encoding(false).GetBytes(sb.ToString());
    }

    public static string Date(int yyyymmdd) => $"{yyyymmdd / 10000:D4}-{yyyymmdd / 100 % 100:D2}-{yyyymmdd % 100:D2}";

    public static string Days(uint mask) =>
        string.Join(';', Enumerable.Range(1, 31).Where(d => (mask & (1u << (d - 1))) != 0));

    public static string Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}

/// <summary>A row that breaks its contract; the message names the column and the value.</summary>
public sealed class CsvRowException(string message) : Exception(message);

/// <summary>One data row, read by column name; every reader throws <see cref="CsvRowException"/> with a precise reason.</summary>
public sealed class CsvRow
{
    private readonly IReadOnlyList<string> _columns;
    private readonly Dictionary<string, int> _index;
    private readonly CsvFields _fields = new();

    internal CsvRow(IReadOnlyList<string> columns)
    {
        _columns = columns;
        _index = columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i + 1);
    }

    public int Line { get; private set; }

    internal void Load(string text, int line)
    {
        _fields.Load(text);
        Line = line;
        if (_fields.Count < _columns.Count) throw new CsvRowException($"{_fields.Count} columns, expected {_columns.Count}");
    }

    public string Raw(string column) => _fields[_index[column]].Trim().ToString();

    /// <summary>Trimmed, full-width letters and digits made half-width (real card numbers come full-width).</summary>
    public string Text(string column) => InputText.Normalize(_fields[_index[column]]);

    public CsvRowException Fail(string column, string why) => new($"column {column}: '{Shorten(Raw(column))}' {why}");

    public string Required(string column)
    {
        var value = Text(column);
        return value.Length > 0 ? value : throw new CsvRowException($"column {column} is empty");
    }

    /// <summary>A code of digits only, of one of the given lengths.</summary>
    public string Digits(string column, params int[] lengths)
    {
        var value = Required(column);
        if (!lengths.Contains(value.Length) || !value.All(char.IsAsciiDigit))
            throw Fail(column, $"is not {string.Join(" or ", lengths)} digits");
        return value;
    }

    public int Int(string column, int min = 0, int max = int.MaxValue)
    {
        var value = Required(column);
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) throw Fail(column, "is not a whole number");
        if (n < min || n > max) throw Fail(column, max == int.MaxValue ? $"is below {min}" : $"is not between {min} and {max}");
        return n;
    }

    public int? OptionalInt(string column, int min = 0, int max = int.MaxValue) => Text(column).Length == 0 ? null : Int(column, min, max);

    public decimal Decimal(string column, decimal min = 0, decimal max = decimal.MaxValue)
    {
        var value = Required(column);
        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d)) throw Fail(column, "is not a number");
        if (d < min || d > max) throw Fail(column, $"is not between {min} and {max}");
        return d;
    }

    public decimal? OptionalDecimal(string column, decimal min = 0, decimal max = decimal.MaxValue) =>
        Text(column).Length == 0 ? null : Decimal(column, min, max);

    /// <summary>YYYY-MM-DD as YYYYMMDD.</summary>
    public int Date(string column)
    {
        if (!DateOnly.TryParseExact(Required(column), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            throw Fail(column, "is not a date (YYYY-MM-DD)");
        return d.Year * 10000 + d.Month * 100 + d.Day;
    }

    public int? OptionalDate(string column) => Text(column).Length == 0 ? null : Date(column);

    public Grains.Records.YearMonth Month(string column)
    {
        var value = Required(column);
        if (value.Length != 7 || !Grains.Records.YearMonth.TryParse(value, out var m)) throw Fail(column, "is not a month (YYYY-MM)");
        return m;
    }

    public T OneOf<T>(string column, IReadOnlyDictionary<string, T> values) =>
        values.TryGetValue(Text(column), out var v) ? v : throw Fail(column, $"is not {string.Join(", ", values.Keys)}");

    /// <summary>`;`-separated day numbers of <paramref name="month"/> as a mask (bit d-1 for day d).</summary>
    public uint DayMask(string column, Grains.Records.YearMonth month)
    {
        var days = DateTime.DaysInMonth(month.Year, month.Month);
        uint mask = 0;
        foreach (var part in Required(column).Split(';'))
        {
            if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var d) || d < 1 || d > days)
                throw Fail(column, $"holds '{Shorten(part)}', not a day of {month} (1–{days})");
            mask |= 1u << (d - 1);
        }
        return mask;
    }

    private static string Shorten(string s) => s.Length <= 20 ? s : s[..20] + "…";
}
