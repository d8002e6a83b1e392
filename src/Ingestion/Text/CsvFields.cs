using System.Globalization;

namespace Shinsa.Ingestion.Text;

/// <summary>
/// The comma-separated fields of one decoded line (no quoting, as in UKE and Shinsa's CSV contracts), addressed by
/// 1-based field number as the specifications count them. Holds ranges, not strings, so only kept fields allocate.
/// </summary>
public sealed class CsvFields
{
    private int[] _starts = new int[64];
    private int[] _lengths = new int[64];
    private string _line = "";

    public int Count { get; private set; }

    public void Load(string line)
    {
        _line = line;
        Count = 0;
        var start = 0;
        for (var i = 0; i <= line.Length; i++)
        {
            if (i < line.Length && line[i] != ',') continue;
            if (Count == _starts.Length)
            {
                Array.Resize(ref _starts, Count * 2);
                Array.Resize(ref _lengths, Count * 2);
            }
            _starts[Count] = start;
            _lengths[Count] = i - start;
            Count++;
            start = i + 1;
        }
    }

    /// <summary>Field <paramref name="number"/> (1-based); empty when the line has fewer fields.</summary>
    public ReadOnlySpan<char> this[int number] =>
        number <= Count ? _line.AsSpan(_starts[number - 1], _lengths[number - 1]) : [];

    public bool IsEmpty(int number) => this[number].Trim(' ').Trim('\u3000').IsEmpty;

    public string Text(int number) => InputText.Normalize(this[number]);

    public string? OptionalText(int number) => IsEmpty(number) ? null : Text(number);

    /// <summary>An integer that may be written with full-width digits (real files do).</summary>
    public bool TryInt(int number, out int value)
    {
        var field = this[number];
        Span<char> digits = stackalloc char[Math.Min(field.Length, 32)];
        var n = 0;
        foreach (var c in field)
        {
            if (c is ' ' or '\u3000') continue;
            if (n == digits.Length) { value = 0; return false; }
            digits[n++] = c is >= '０' and <= '９' ? (char)(c - '０' + '0') : c;
        }
        return int.TryParse(digits[..n], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public bool TryDecimal(int number, out decimal value) =>
        decimal.TryParse(InputText.Normalize(this[number]), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
}
