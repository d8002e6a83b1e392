namespace Shinsa.Ingestion.Text;

/// <summary>A line of an input file as a byte range, before decoding.</summary>
public readonly record struct ByteLine(int Number, int Start, int Length);

/// <summary>
/// Splits a file's bytes into lines at CRLF, LF, CR or NEL. Works on bytes so a line with an invalid byte, or a
/// line of 10 MB, can be reported without decoding the rest. 0x0A and 0x0D never occur inside a CP932 character,
/// so splitting before decoding is safe. NEL is U+0085 in UTF-8 (C2 85); in Shift_JIS the byte 0x85 is a lead byte,
/// so there it counts as NEL only where a record identifier ("XX,") or the end of the file follows it.
/// </summary>
public static class LineReader
{
    public static List<ByteLine> Split(ReadOnlySpan<byte> bytes, int start, bool isUtf8)
    {
        var lines = new List<ByteLine>(bytes.Length / 40 + 1);
        var lineStart = start;
        var number = 1;
        var i = start;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            int terminator;
            if (b == (byte)'\n') terminator = 1;
            else if (b == (byte)'\r') terminator = i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n' ? 2 : 1;
            else if (isUtf8 && b == 0xC2 && i + 1 < bytes.Length && bytes[i + 1] == 0x85) terminator = 2;
            else if (!isUtf8 && b == 0x85 && IsShiftJisNel(bytes, i)) terminator = 1;
            else
            {
                // Skip a Shift_JIS trail byte so it is never mistaken for a terminator or a lead byte.
                i += !isUtf8 && IsShiftJisLead(b) && i + 1 < bytes.Length && bytes[i + 1] is not ((byte)'\r' or (byte)'\n') ? 2 : 1;
                continue;
            }
            lines.Add(new ByteLine(number++, lineStart, i - lineStart));
            i += terminator;
            lineStart = i;
        }
        if (lineStart < bytes.Length) lines.Add(new ByteLine(number, lineStart, bytes.Length - lineStart));
        return lines;
    }

    private static bool IsShiftJisLead(byte b) => b is >= 0x81 and <= 0x9F or >= 0xE0 and <= 0xFC;

    private static bool IsShiftJisNel(ReadOnlySpan<byte> bytes, int i) =>
        i + 1 == bytes.Length
        || (i + 3 < bytes.Length && bytes[i + 1] is >= (byte)'A' and <= (byte)'Z' && bytes[i + 2] is >= (byte)'A' and <= (byte)'Z' && bytes[i + 3] == (byte)',');
}
