namespace Shinsa.Silo.Storage;

/// <summary>
/// Several log entries of one shard in one row of the embedded log: the entries an append transaction gives a shard.
/// A row per record made the log's b-trees (the table and its by-shard index) the appender's largest cost; a row per
/// shard and append is a sixth of the rows for a claim file and fewer still under load, when a transaction holds many.
/// The row's key is the position of its last entry, so "the log's last position" is still the largest key, and a
/// shard's rows are still read in order after a position (a row may hold entries at or before it: they are skipped).
/// A group starts with a 0 byte, which no record payload starts with (they open with their format version, ≥ 1), so
/// rows of one record, including every row written before groups, read as they are.
/// </summary>
internal static class LogGroup
{
    private const byte Marker = 0;

    /// <summary>
    /// The row for a shard's entries of one append (ascending positions): the payload itself when there is only one, else
    /// the group written into <paramref name="writer"/>, valid until its next use (the appender binds the row and reuses
    /// one writer for every row, so a group is not copied into an array of its own).
    /// </summary>
    public static ReadOnlySpan<byte> Encode(IReadOnlyList<(long Seq, byte[] Payload)> entries, Grains.CodecWriter writer)
    {
        // One entry is stored as it is, unless it could be taken for a group.
        if (entries is [{ Payload: not [Marker, ..] } only]) return only.Payload;
        writer.Reset();
        writer.Write(Marker);
        writer.Write7BitEncodedInt(entries.Count);
        var previous = entries[^1].Seq;
        // Positions count back from the row's key (the last entry's), each as the gap from the one after it.
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            writer.Write7BitEncodedInt64(previous - entries[i].Seq);
            previous = entries[i].Seq;
        }
        foreach (var (_, payload) in entries)
        {
            writer.Write7BitEncodedInt(payload.Length);
            writer.Write(payload);
        }
        return writer.Written;
    }

    /// <summary>The entries of a row whose key is <paramref name="rowSeq"/> that come after <paramref name="afterSeq"/>, in order.</summary>
    public static IEnumerable<(long Seq, byte[] Payload)> Decode(long rowSeq, byte[] row, long afterSeq)
    {
        if (row.Length == 0 || row[0] != Marker)
        {
            if (rowSeq > afterSeq) yield return (rowSeq, row);
            yield break;
        }
        var reader = new Grains.CodecReader(row);
        reader.ReadByte();
        var seqs = new long[reader.Read7BitEncodedInt()];
        var next = rowSeq;
        for (var i = seqs.Length - 1; i >= 0; i--) seqs[i] = next -= reader.Read7BitEncodedInt64();
        foreach (var seq in seqs)
        {
            var payload = reader.ReadBytes(reader.Read7BitEncodedInt());
            if (seq > afterSeq) yield return (seq, payload);
        }
    }
}
