using Shinsa.Grains.Households;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Tests;

internal static class GrainTestExtensions
{
    /// <summary>The starter rules with no masters and the clock at the start: what the KPI tests run under.</summary>
    public static readonly ReviewContext StarterContext = new(RuleSet.Starter, ReferenceMasters.Empty, default);

    /// <summary>Applies a record with only the KPI rollup observed (a fresh set of the other partials each time).</summary>
    public static void Apply(this HouseholdGrain grain, LogRecord record, KpiRollup rollup) =>
        grain.Apply(record, new ShardPartials { Kpis = rollup }, StarterContext);
}
