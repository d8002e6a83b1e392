using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shinsa.Grains.Records;

/// <summary>A calendar month (診療年月, 請求年月). Stored as year*100+month so it sorts and compares as an int.</summary>
[JsonConverter(typeof(YearMonthJsonConverter))]
public readonly record struct YearMonth(int Value) : IComparable<YearMonth>
{
    public int Year => Value / 100;
    public int Month => Value % 100;

    public static YearMonth Of(int year, int month)
    {
        if (month is < 1 or > 12) throw new ArgumentOutOfRangeException(nameof(month));
        return new YearMonth(year * 100 + month);
    }

    /// <summary>Parses YYYYMM (UKE) or YYYY-MM (API, CSV).</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out YearMonth value)
    {
        value = default;
        int year, month;
        if (s.Length == 6 && int.TryParse(s[..4], NumberStyles.None, CultureInfo.InvariantCulture, out year)
            && int.TryParse(s[4..], NumberStyles.None, CultureInfo.InvariantCulture, out month)) { }
        else if (s.Length == 7 && s[4] == '-' && int.TryParse(s[..4], NumberStyles.None, CultureInfo.InvariantCulture, out year)
            && int.TryParse(s[5..], NumberStyles.None, CultureInfo.InvariantCulture, out month)) { }
        else return false;
        if (year < 1900 || month is < 1 or > 12) return false;
        value = new YearMonth(year * 100 + month);
        return true;
    }

    public static YearMonth Parse(string s) =>
        TryParse(s, out var v) ? v : throw new FormatException($"'{s}' is not a month (YYYY-MM or YYYYMM)");

    public YearMonth AddMonths(int n)
    {
        var index = Year * 12 + (Month - 1) + n;
        return Of(index / 12, index % 12 + 1);
    }

    public int CompareTo(YearMonth other) => Value.CompareTo(other.Value);
    public static bool operator <(YearMonth a, YearMonth b) => a.Value < b.Value;
    public static bool operator >(YearMonth a, YearMonth b) => a.Value > b.Value;
    public static bool operator <=(YearMonth a, YearMonth b) => a.Value <= b.Value;
    public static bool operator >=(YearMonth a, YearMonth b) => a.Value >= b.Value;

    public override string ToString() => $"{Year:D4}-{Month:D2}";
}

public sealed class YearMonthJsonConverter : JsonConverter<YearMonth>
{
    public override YearMonth Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? new YearMonth(reader.GetInt32()) : YearMonth.Parse(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, YearMonth value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Value);
}
