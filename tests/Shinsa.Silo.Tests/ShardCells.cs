using Shinsa.Grains.Rollups;
using Shinsa.Silo.Actors;

namespace Shinsa.Silo.Tests;

/// <summary>The cells a silo answers (<see cref="CellTotals.Visit"/>), summed into one rollup of each kind.</summary>
internal static class ShardCells
{
    public static (KpiRollup Kpis, MeasureRollup Measures) Of(CellTotals totals, params Shard[] live) => Sum(visit => totals.Visit(live, visit));

    /// <summary>Everything <paramref name="forEach"/> visits (a silo's <c>ForEachCells</c>, say), summed.</summary>
    public static (KpiRollup Kpis, MeasureRollup Measures) Sum(Action<Action<KpiRollup, MeasureRollup>> forEach)
    {
        var kpis = new KpiRollup();
        var measures = new MeasureRollup();
        forEach((k, m) =>
        {
            kpis.AddAll(k);
            measures.AddAll(m);
        });
        return (kpis, measures);
    }

    /// <summary>A shard's cells with the totals of its own silo (a shard alone in a test has totals of its own).</summary>
    public static (KpiRollup Kpis, MeasureRollup Measures) Of(Shard shard) => Of(shard.Totals, shard);

    /// <summary>Cells as comparable text, a line per cell, in a canonical order.</summary>
    public static List<string> Text(KpiRollup kpis, MeasureRollup measures) =>
        kpis.All().Select(c => $"{c.Key} {c.Value}").Concat(measures.All().Select(c => $"{c.Key} {c.Value}")).Order(StringComparer.Ordinal).ToList();
}
