using System.Text;
using System.Text.Unicode;

namespace Shinsa.Ingestion.Text;

/// <summary>The encodings claim files come in, with the strict decoders that turn a bad byte into an error.</summary>
public static class InputText
{
    // Static initialisers run in textual order: the code-page provider must be registered before CP932 is asked for.
    private static readonly bool CodePagesRegistered = RegisterCodePages();

    private static bool RegisterCodePages()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return true;
    }

    /// <summary>CP932 (Shift_JIS as written by Japanese systems) that throws on bytes it cannot decode.</summary>
    public static Encoding StrictShiftJis { get; } =
        Encoding.GetEncoding(932, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    /// <summary>CP932 for writing generated files.</summary>
    public static Encoding ShiftJis { get; } = Encoding.GetEncoding(932);

    public static Encoding StrictUtf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>UTF-8 when every byte sequence is valid UTF-8 (after an optional BOM), otherwise Shift_JIS.</summary>
    public static (bool IsUtf8, int Start) Detect(ReadOnlySpan<byte> bytes)
    {
        var start = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        return (start == 3 || Utf8.IsValid(bytes[start..]), start);
    }

    /// <summary>
    /// Half-width for the digits, letters and spaces that real files write full-width (記号・番号 like "１"), trimmed.
    /// </summary>
    public static string Normalize(ReadOnlySpan<char> field)
    {
        Span<char> buffer = field.Length <= 256 ? stackalloc char[field.Length] : new char[field.Length];
        for (var i = 0; i < field.Length; i++)
        {
            var c = field[i];
            buffer[i] = c switch
            {
                >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
                '\u3000' => ' ',
                _ => c,
            };
        }
        return new string(buffer.Trim(' '));
    }
}
