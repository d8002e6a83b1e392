using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Review;

/// <summary>
/// What the checks read besides a household's own records: the rules, the reference masters, and the review clock
/// (<see cref="AsOf"/>: the latest service month the federation has claims for). The clock moves only through the
/// log, so checks that wait for time to pass (CHK-VISIT, DM-DROP) fire at the same place in a replay.
/// </summary>
public sealed record ReviewContext(RuleSet Rules, ReferenceMasters Masters, YearMonth AsOf);
