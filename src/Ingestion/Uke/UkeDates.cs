using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Uke;

/// <summary>UKE dates: Western YYYYMMDD / YYYYMM in current files, 元号 GYYMMDD / GYYMM in older ones.</summary>
public static class UkeDates
{
    // 元号 codes (別表4): 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和 → the Western year before year 1 of the era.
    private static readonly int[] EraBase = [0, 1867, 1911, 1925, 1988, 2018];

    public static bool TryMonth(ReadOnlySpan<char> field, out YearMonth month)
    {
        month = default;
        var s = Digits(field);
        if (s is null) return false;
        if (s.Length == 6) return YearMonth.TryParse(s, out month);
        if (s.Length == 5 && Era(s[0]) is { } baseYear)
        {
            var year = baseYear + int.Parse(s.AsSpan(1, 2));
            var m = int.Parse(s.AsSpan(3, 2));
            if (m is < 1 or > 12) return false;
            month = YearMonth.Of(year, m);
            return true;
        }
        return false;
    }

    /// <summary>A date as YYYYMMDD.</summary>
    public static bool TryDate(ReadOnlySpan<char> field, out int date)
    {
        date = 0;
        var s = Digits(field);
        if (s is null) return false;
        int year, month, day;
        if (s.Length == 8)
        {
            year = int.Parse(s.AsSpan(0, 4)); month = int.Parse(s.AsSpan(4, 2)); day = int.Parse(s.AsSpan(6, 2));
        }
        else if (s.Length == 7 && Era(s[0]) is { } baseYear)
        {
            year = baseYear + int.Parse(s.AsSpan(1, 2)); month = int.Parse(s.AsSpan(3, 2)); day = int.Parse(s.AsSpan(5, 2));
        }
        else return false;
        if (year < 1868 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        date = year * 10000 + month * 100 + day;
        return true;
    }

    private static int? Era(char code) => code is >= '1' and <= '5' ? EraBase[code - '0'] : null;

    private static string? Digits(ReadOnlySpan<char> field)
    {
        var s = Text.InputText.Normalize(field);
        return s.Length > 0 && s.All(char.IsAsciiDigit) ? s : null;
    }
}
