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

    [Fact]
    public void Recipient_numbers_differ_for_every_variant_and_receipt_even_past_any_padding()
    {
        Assert.NotEqual(SampleReplicator.RecipientNo(100_001, 234), SampleReplicator.RecipientNo(10_000, 1234));
        // Every pair around the places where a number gains a digit, where side-by-side digits can run into each other.
        int[] edges = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 9999, 10_000, 10_001, 99_999, 100_000, 100_001, 999_999, 1_000_000, int.MaxValue];
        var numbers = edges.SelectMany(v => edges.Select(r => (v, r))).ToDictionary(p => p, p => SampleReplicator.RecipientNo(p.v, p.r));
        Assert.Equal(numbers.Count, numbers.Values.Distinct().Count());
        Assert.All(numbers.Values, n => Assert.True(n.All(char.IsAsciiDigit), n));
    }

    [Fact]
    public void A_variant_of_several_copies_holds_the_sample_that_many_times_with_distinct_receipts()
    {
        var single = UkeParser.Parse(SampleReplicator.MakeVariant(SampleFile.Bytes, 7), "one.UKE");
        var triple = UkeParser.Parse(SampleReplicator.MakeVariant(SampleFile.Bytes, 7, copies: 3), "three.UKE");

        Assert.Empty(triple.Errors);
        Assert.Equal(3 * 75, triple.Accepted);
        Assert.Equal(3 * 86_392, triple.Points);
        Assert.All(triple.Receipts, r => Assert.Equal(r.DeclaredPoints, r.ComputedPoints));
        Assert.Equal(triple.Receipts.Count, triple.Receipts.Select(r => r.Key).Distinct().Count());
        Assert.Equal(triple.Receipts.Count, triple.Receipts.Select(r => r.Card).Distinct().Count());
        // The copies are the sample's receipts again: the same points in the same order, three times.
        Assert.Equal(Enumerable.Repeat(single.Receipts.Select(r => r.DeclaredPoints), 3).SelectMany(p => p), triple.Receipts.Select(r => r.DeclaredPoints));
        // GO's count scales with the copies (the real sample's GO already disagrees with it, and still does by the same factor).
        static long Declared(UkeParseResult p) => long.Parse(System.Text.RegularExpressions.Regex.Match(string.Join(" ", p.Warnings), @"declares (\d+)").Groups[1].Value);
        Assert.Equal(3 * Declared(single), Declared(triple));
        Assert.Contains(triple.Warnings, w => w.EndsWith($"the file holds {3 * 75} receipts", StringComparison.Ordinal));
    }
}
