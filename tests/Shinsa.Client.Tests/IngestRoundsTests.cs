using Shinsa.Client.Commands;

namespace Shinsa.Client.Tests;

public class IngestRoundsTests
{
    // A round whose parse took 1 s and whose end-to-end took 1 / ratio s: its ratio is the one given.
    private static BenchCommand.IngestResult Round(double ratio, bool kpiMatches = true) =>
        new(Files: 10, Receipts: 750, Bytes: 1, ParseSeconds: 1, AcknowledgedSeconds: 1 / ratio, EndToEndSeconds: 1 / ratio, Retries: 0,
            KpiReceiptsAdded: kpiMatches ? 750 : 749, KpiMatches: kpiMatches, Cpu: null);

    [Fact]
    public void The_reported_round_is_the_one_with_the_median_ratio_whatever_order_the_rounds_ran_in()
    {
        var rounds = new[] { Round(0.30), Round(0.20), Round(0.25) };
        foreach (var order in Permutations(rounds))
            Assert.Same(rounds[2], IngestRounds.Of(order).Median);
        Assert.Equal(0.25, IngestRounds.Of(rounds).Median.Ratio, 9);
    }

    [Fact]
    public void Of_an_even_count_the_lower_of_the_two_middle_rounds_is_reported()
    {
        var rounds = new[] { Round(0.40), Round(0.10), Round(0.30), Round(0.20) };
        foreach (var order in Permutations(rounds))
            Assert.Same(rounds[3], IngestRounds.Of(order).Median);
    }

    [Fact]
    public void The_kpis_match_only_when_they_matched_in_every_round_and_a_benchmark_needs_a_round()
    {
        Assert.True(IngestRounds.Of([Round(0.2), Round(0.3)]).KpiMatches);
        // The round that missed a receipt is not the median one: the report still says the KPIs did not match.
        var missed = IngestRounds.Of([Round(0.2), Round(0.3, kpiMatches: false), Round(0.25)]);
        Assert.True(missed.Median.KpiMatches);
        Assert.False(missed.KpiMatches);
        Assert.Throws<ArgumentException>(() => IngestRounds.Of([]));
    }

    private static IEnumerable<BenchCommand.IngestResult[]> Permutations(BenchCommand.IngestResult[] items) =>
        items.Length <= 1 ? [items]
            : items.SelectMany((item, i) => Permutations([.. items[..i], .. items[(i + 1)..]]).Select(rest => (BenchCommand.IngestResult[])[item, .. rest]));
}
