namespace Shinsa.Grains.Records;

/// <summary>
/// The household card (被保険者証): insurer number + 記号 + 番号. It groups a 国保 household for 世帯合算 and is the
/// shard key of every household's records. 記号 and 番号 are stored normalised (half-width, trimmed).
/// </summary>
public readonly record struct HouseholdCard(string InsurerNo, string Symbol, string Number)
{
    /// <summary>A stable text key, used for hashing to a shard and as the grain id.</summary>
    public string Key => $"{InsurerNo}:{Symbol}:{Number}";

    public override string ToString() => Key;
}
