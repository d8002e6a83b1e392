using System.Collections.Concurrent;

namespace Shinsa.Silo.Api;

/// <summary>
/// The KPI streams' latest payload per request, with the shards' positions it was computed at (<see
/// cref="Actors.ActorHost.PartialsPositions"/>). Every viewer of one board looks ten times a second; while the positions
/// are those of the payload, the payload is the answer, so viewers of the same board compute it once per change
/// between them, and an idle board not at all.
/// </summary>
public sealed class KpiPayloadCache
{
    // Boards are few (a scope, an insurer or provider, a month); a flood of distinct ones only starts the cache over.
    private const int MaxBoards = 1024;
    private readonly ConcurrentDictionary<string, (long[] Positions, string Payload)> _latest = new();

    /// <summary>The payload of <paramref name="board"/> at <paramref name="positions"/>: the one held, or <paramref name="compute"/>'s.</summary>
    public string Get(string board, long[] positions, Func<string> compute)
    {
        if (_latest.TryGetValue(board, out var held) && held.Positions.AsSpan().SequenceEqual(positions)) return held.Payload;
        var payload = compute();
        if (_latest.Count >= MaxBoards) _latest.Clear();
        _latest[board] = (positions, payload);
        return payload;
    }
}
