using System.Text;
using Shinsa.Grains.Records;

namespace Shinsa.Silo.Actors;

/// <summary>
/// Maps a household card to its shard. The hash is FNV-1a over the card key's UTF-8 bytes: stable across
/// processes and .NET versions (string.GetHashCode is randomised per process), so a restarted silo, or another
/// silo of the cluster, puts a card in the same shard.
/// </summary>
public sealed class ShardMap(int shardCount)
{
    public int ShardCount { get; } = shardCount > 0 ? shardCount : throw new ArgumentOutOfRangeException(nameof(shardCount));

    public int ShardOf(HouseholdCard card) => ShardOf(card.Key);

    public int ShardOf(string grainKey)
    {
        const ulong offset = 14695981039346656037UL, prime = 1099511628211UL;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(grainKey) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(grainKey, buffer)]
            : Encoding.UTF8.GetBytes(grainKey);
        var hash = offset;
        foreach (var b in bytes) hash = (hash ^ b) * prime;
        return (int)(hash % (ulong)ShardCount);
    }
}
