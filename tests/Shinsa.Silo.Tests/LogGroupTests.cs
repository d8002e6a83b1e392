using FsCheck;
using FsCheck.Xunit;
using Shinsa.Grains;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Tests;

/// <summary>A shard's entries of one append share a log row: read back after any position, they are exactly the entries after it.</summary>
public class LogGroupTests
{
    [Property(MaxTest = 300)]
    public bool A_group_reads_back_the_entries_after_any_position(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        var random = new Random(seed);
        var seq = random.NextInt64(1, 1L << 40);
        var entries = Enumerable.Range(0, random.Next(1, 30)).Select(_ =>
        {
            seq += random.Next(1, 5000);
            // Payloads of any content and length, including empty ones and ones that start with the group marker.
            var payload = new byte[random.Next(0, 400)];
            random.NextBytes(payload);
            return (Seq: seq, Payload: payload);
        }).ToList();
        // The appender reuses one writer for every row: this one wrote another group before.
        var writer = new CodecWriter();
        LogGroup.Encode([(1, new byte[random.Next(0, 2000)]), (2, [1])], writer);
        var row = LogGroup.Encode(entries, writer).ToArray();
        var after = entries[0].Seq - 1 + random.NextInt64(0, entries[^1].Seq - entries[0].Seq + 2);

        var read = LogGroup.Decode(entries[^1].Seq, row, after).ToList();
        var expected = entries.Where(e => e.Seq > after).ToList();
        return read.Count == expected.Count
            && read.Zip(expected).All(p => p.First.Seq == p.Second.Seq && p.First.Payload.AsSpan().SequenceEqual(p.Second.Payload));
    }

    [Fact]
    public void One_entry_is_stored_as_it_is_so_rows_written_before_groups_read_unchanged()
    {
        byte[] record = [4, 1, 2, 3]; // a codec payload opens with its format version
        Assert.True(LogGroup.Encode([(17, record)], new CodecWriter()) == record.AsSpan(), "the row is the record's own array");
        Assert.Equal((17L, record), Assert.Single(LogGroup.Decode(17, record, 16)));
        Assert.Empty(LogGroup.Decode(17, record, 17));
    }
}
