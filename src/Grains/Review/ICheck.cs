namespace Shinsa.Grains.Review;

/// <summary>
/// One check of the catalogue. A check is a pure function of a household's records and the review context: it never
/// remembers what it found before. That makes every finding order independent (the same records give the same
/// findings whatever order they came in) and retractable (a withdrawn receipt's findings vanish on re-evaluation).
/// </summary>
public interface ICheck
{
    string Id { get; }
    void Evaluate(HouseholdFacts facts, ReviewContext context, FindingSink sink);
}
