using System.Buffers.Binary;
using System.Text;

namespace Shinsa.Grains;

/// <summary>
/// Writes the codec's primitives byte for byte as <see cref="System.IO.BinaryWriter"/> with UTF-8 does (little-endian
/// integers, 7-bit encoded lengths, length-prefixed UTF-8 strings, decimals as their four 32-bit parts), so payloads
/// written before it read unchanged. It writes into one growable array instead of a stream behind a writer: every
/// receipt is encoded on its way into the log, into its grain and into its snapshot, and the stream's per-call work
/// and buffers were most of an encode's cost.
/// </summary>
public sealed class CodecWriter(int capacity = 1024)
{
    private byte[] _buffer = new byte[capacity];
    private int _length;

    public int Capacity => _buffer.Length;

    /// <summary>
    /// Whether the buffer is worth keeping for the next use: a reused writer saves growing a new buffer each time (through
    /// the large-object heap past 85 KB), but one grown past 4 MB by a rare large payload is not held for ever.
    /// </summary>
    public bool WorthKeeping => _buffer.Length <= 4 << 20;

    public void Reset() => _length = 0;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>What was written since the last reset, valid until the writer's next use.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    private Span<byte> Take(int count)
    {
        if (_length + count > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void Write(byte value)
    {
        if (_length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        _buffer[_length++] = value;
    }

    public void Write(bool value) => Write((byte)(value ? 1 : 0));
    public void Write(int value) => BinaryPrimitives.WriteInt32LittleEndian(Take(4), value);
    public void Write(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), value);
    public void Write(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), value);

    public void Write(decimal value)
    {
        Span<int> parts = stackalloc int[4];
        decimal.GetBits(value, parts);
        var span = Take(16);
        for (var i = 0; i < 4; i++) BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], parts[i]);
    }

    public void Write(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        Write7BitEncodedInt(count);
        Encoding.UTF8.GetBytes(value, Take(count));
    }

    /// <summary>Raw bytes, no length (the caller writes one when the reader needs it).</summary>
    public void Write(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    public void Write7BitEncodedInt(int value) => Write7BitEncodedInt64((uint)value);

    public void Write7BitEncodedInt64(long value)
    {
        var rest = (ulong)value;
        while (rest > 0x7F)
        {
            Write((byte)(rest | 0x80));
            rest >>= 7;
        }
        Write((byte)rest);
    }
}
