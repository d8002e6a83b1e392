using FsCheck;
using System.Text;
using FsCheck.Xunit;

namespace Shinsa.Grains.Tests;

/// <summary>
/// The codec's writer and reader keep the format <see cref="BinaryWriter"/> wrote (every log and snapshot written before
/// them): for random values of every primitive the codec uses, the bytes are the same and read back to the same values.
/// </summary>
public class CodecWriterTests
{
    private static readonly string[] Texts =
        ["", "1234567", "040014", "ｶﾅ ｼﾒｲ", "山田　太郎", "\ud83c\udfe5 clinic", "\ud800 lone surrogate", new string('x', 300)];

    private abstract record Value;
    private sealed record Byte(byte V) : Value;
    private sealed record Bool(bool V) : Value;
    private sealed record Int(int V) : Value;
    private sealed record UInt(uint V) : Value;
    private sealed record Long(long V) : Value;
    private sealed record Dec(decimal V) : Value;
    private sealed record Text(string V) : Value;
    private sealed record Int7(int V) : Value;
    private sealed record Long7(long V) : Value;

    private static List<Value> Values(int seed)
    {
        var random = new Random(seed);
        long AnyLong() => random.Next(4) == 0 ? random.NextInt64(-300, 300) : random.NextInt64(long.MinValue, long.MaxValue);
        int AnyInt() => random.Next(4) == 0 ? random.Next(-300, 300) : random.Next(int.MinValue, int.MaxValue);
        return Enumerable.Range(0, random.Next(1, 40)).Select(_ => random.Next(9) switch
        {
            0 => (Value)new Byte((byte)random.Next(256)),
            1 => new Bool(random.Next(2) == 1),
            2 => new Int(AnyInt()),
            3 => new UInt((uint)AnyInt()),
            4 => new Long(AnyLong()),
            5 => new Dec(new decimal(AnyInt(), AnyInt(), random.Next(3) == 0 ? AnyInt() : 0, random.Next(2) == 1, (byte)random.Next(29))),
            6 => new Text(Texts[random.Next(Texts.Length)]),
            7 => new Int7(AnyInt()),
            _ => new Long7(AnyLong()),
        }).ToList();
    }

    /// <summary>Writes through the overload of each value's type: both writers have the same method names.</summary>
    private static void WriteAll(dynamic writer, List<Value> values)
    {
        foreach (var value in values)
            switch (value)
            {
                case Int7 v: writer.Write7BitEncodedInt(v.V); break;
                case Long7 v: writer.Write7BitEncodedInt64(v.V); break;
                default: writer.Write(((dynamic)value).V); break;
            }
    }

    [Property(MaxTest = 300)]
    public bool Writes_what_BinaryWriter_wrote_and_reads_it_back(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        var values = Values(seed);
        using var stream = new MemoryStream();
        using (var reference = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) WriteAll(reference, values);
        var writer = new CodecWriter(capacity: 4); // small, so the buffer grows on the way
        WriteAll(writer, values);
        var expected = stream.ToArray();
        if (!writer.ToArray().AsSpan().SequenceEqual(expected)) return false;

        var reader = new CodecReader(expected);
        var readBack = values.Select(value => value switch
        {
            Byte => (Value)new Byte(reader.ReadByte()),
            Bool => new Bool(reader.ReadBoolean()),
            Int => new Int(reader.ReadInt32()),
            UInt => new UInt(reader.ReadUInt32()),
            Long => new Long(reader.ReadInt64()),
            Dec => new Dec(reader.ReadDecimal()),
            // A lone surrogate is not valid UTF-8: BinaryWriter and the codec both write U+FFFD for it.
            Text => new Text(reader.ReadString()),
            Int7 => new Int7(reader.Read7BitEncodedInt()),
            _ => new Long7(reader.Read7BitEncodedInt64()),
        }).ToList();
        var expectedValues = values.Select(v => v is Text t ? new Text(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(t.V))) : v);
        return readBack.SequenceEqual(expectedValues);
    }

    [Property(MaxTest = 100)]
    public bool A_code_reads_as_its_string_does_and_repeats_share_one_instance(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        // Codes of every length around the pooling limit (32 chars), in ASCII, kana and kanji (3 UTF-8 bytes each).
        var random = new Random(seed);
        var codes = Enumerable.Range(0, 30).Select(_ => random.Next(3) switch
        {
            0 => Texts[random.Next(Texts.Length)],
            1 => new string((char)('0' + random.Next(10)), random.Next(0, 40)),
            _ => new string('記', random.Next(0, 14)),
        }).ToList();
        var writer = new CodecWriter();
        foreach (var code in codes.Concat(codes)) writer.Write(code);
        var (asCodes, asStrings) = (new CodecReader(writer.ToArray()), new CodecReader(writer.ToArray()));
        var read = codes.Concat(codes).Select(_ => (Code: asCodes.ReadCode(), Text: asStrings.ReadString())).ToList();
        if (!read.All(r => r.Code == r.Text)) return false;
        // The second reading of a short code is the first one's instance; a long one is a string of its own.
        return Enumerable.Range(0, codes.Count).All(i =>
            ReferenceEquals(read[i].Code, read[i + codes.Count].Code) == (Encoding.UTF8.GetByteCount(read[i].Code) <= 32));
    }

    [Fact]
    public void A_short_payload_is_an_error_not_a_default_value()
    {
        var bytes = new CodecWriter();
        bytes.Write(7);
        Assert.Throws<EndOfStreamException>(() => new CodecReader(bytes.ToArray()[..3]).ReadInt32());
        Assert.Throws<EndOfStreamException>(() => new CodecReader([5, (byte)'a']).ReadString());
    }
}
