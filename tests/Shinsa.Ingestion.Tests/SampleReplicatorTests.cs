using Shinsa.Ingestion.Synthetic;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Ingestion.Tests;

public class SampleReplicatorTests
{
    [Fact]
    public void Variants_are_distinct_consistent_and_deterministic()
    {
        var variants = Enumerable.Range(0, 20).Select(i => SampleReplicator.MakeVariant(SampleFile.Bytes, i)).ToList();
        Assert.Equal(variants[3], SampleReplicator.MakeVariant(SampleFile.Bytes, 3));

        var parsed = variants.Select(v => UkeParser.Parse(v, "v.UKE")).ToList();
        Assert.All(parsed, p =>
        {
            Assert.Empty(p.Errors);
            Assert.Equal(75, p.Accepted);
            Assert.Equal(86_392, p.Points);
            Assert.All(p.Receipts, r => Assert.Equal(r.DeclaredPoints, r.ComputedPoints));
        });
        Assert.Equal(20, parsed.Select(p => p.ProviderCode).Distinct().Count());
        var cards = parsed.SelectMany(p => p.Receipts.Select(r => r.Card)).ToList();
        Assert.Equal(cards.Count, cards.Distinct().Count());
        var insurers = parsed.SelectMany(p => p.Receipts.Where(r => r.PublicExpenses.Length == 0 || r.Card.Symbol != "").Select(r => r.Card.InsurerNo)).Distinct();
        Assert.Superset(SampleReplicator.Insurers.ToHashSet(), insurers.Where(i => i.Length == 6).ToHashSet());
    }
}
