namespace Shinsa.Grains.Records;

/// <summary>
/// The household card (被保険者証): insurer number + 記号 + 番号. It groups a 国保 household for 世帯合算 and is the
/// shard key of every household's records. 記号 and 番号 are stored normalised (half-width, trimmed).
/// </summary>
public readonly record struct HouseholdCard(string InsurerNo, string Symbol, string Number)
{
    /// <summary>A stable text key, used for hashing to a shard and as the grain id.</summary>
    public string Key => $"{InsurerNo}:{Symbol}:{Number}";

    /// <summary>The card a <see cref="Key"/> names (insurer numbers and 番号 are digits; the 記号 may hold anything).</summary>
    public static HouseholdCard FromKey(string key)
    {
        var first = key.IndexOf(':');
        var last = key.LastIndexOf(':');
        if (first < 0 || last == first) throw new FormatException($"'{key}' is not a household card key");
        return new HouseholdCard(key[..first], key[(first + 1)..last], key[(last + 1)..]);
    }

    public override string ToString() => Key;

    /// <summary>The card of a record still waiting for its identity (a decision or care claim before resolution).</summary>
    public static readonly HouseholdCard Unresolved = new("", "", "");
}
