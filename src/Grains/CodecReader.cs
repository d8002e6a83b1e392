using System.Buffers.Binary;
using System.Text;

namespace Shinsa.Grains;

/// <summary>Reads what <see cref="CodecWriter"/> (and, before it, <see cref="System.IO.BinaryWriter"/>) wrote, from one array.</summary>
public sealed class CodecReader(byte[] bytes)
{
    private int _position;

    /// <summary>The array being read: a receipt's log record hands part of it to its grain as the receipt's held form.</summary>
    public byte[] Source => bytes;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _position + count > bytes.Length)
            throw new EndOfStreamException($"payload ends at byte {bytes.Length}; {count} more were expected at {_position}");
        var span = bytes.AsSpan(_position, count);
        _position += count;
        return span;
    }

    public byte ReadByte() => Take(1)[0];
    public bool ReadBoolean() => ReadByte() != 0;
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public decimal ReadDecimal()
    {
        var span = Take(16);
        Span<int> parts = stackalloc int[4];
        for (var i = 0; i < 4; i++) parts[i] = BinaryPrimitives.ReadInt32LittleEndian(span[(i * 4)..]);
        return new decimal(parts);
    }

    public string ReadString() => Encoding.UTF8.GetString(Take(Read7BitEncodedInt()));

    // Codes a prefecture has at most tens of thousands of (insurer numbers, 記号, provider codes), one instance each per
    // thread: every resident household holds its card's and its receipts' codes, and a string of its own for each was
    // a third of a household's objects for the GC to copy. Bounded, so a feed of odd codes cannot grow it for ever.
    [ThreadStatic] private static Dictionary<string, string>? _codes;
    private const int MaxPooledCodes = 65_536, MaxCodeLength = 32;

    /// <summary>A string like <see cref="ReadString"/>, shared with earlier reads of the same code on this thread.</summary>
    public string ReadCode()
    {
        var bytes = Take(Read7BitEncodedInt());
        if (bytes.Length > MaxCodeLength) return Encoding.UTF8.GetString(bytes);
        Span<char> chars = stackalloc char[MaxCodeLength];
        chars = chars[..Encoding.UTF8.GetChars(bytes, chars)];
        var codes = _codes ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (codes.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars, out var code)) return code;
        code = new string(chars);
        if (codes.Count < MaxPooledCodes) codes[code] = code;
        return code;
    }

    public byte[] ReadBytes(int count) => Take(count).ToArray();

    public int Read7BitEncodedInt()
    {
        var value = Read7BitEncodedInt64();
        if (value is < 0 or > uint.MaxValue) throw new FormatException("a 7-bit encoded 32-bit integer is too long");
        return (int)(uint)value;
    }

    public long Read7BitEncodedInt64()
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return (long)value;
        }
        throw new FormatException("a 7-bit encoded integer is too long");
    }
}
