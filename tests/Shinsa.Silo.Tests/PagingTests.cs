using FsCheck;
using FsCheck.Xunit;
using Shinsa.Silo.Api;

namespace Shinsa.Silo.Tests;

/// <summary>A worklist page kept from one pass over the findings is the page of the whole list sorted.</summary>
public class PagingTests
{
    [Property(MaxTest = 300)]
    public bool A_page_is_that_of_the_sorted_sequence_and_the_total_counts_every_item(int[] items, NonNegativeInt page, PositiveInt size)
    {
        var take = Math.Min(size.Get, 7);
        var skip = (long)(page.Get % 10) * take;
        // Descending, as the worklist's newest-first order: a comparer that is not the natural order.
        var order = Comparer<int>.Create((a, b) => b.CompareTo(a));
        var (total, got) = Paging.Page(items, order, skip, take);
        var expected = items.OrderBy(i => i, order).Skip((int)skip).Take(take);
        return total == items.Length && got.SequenceEqual(expected);
    }

    [Fact]
    public void A_page_past_the_end_is_empty_and_still_counts_the_items()
    {
        var (total, got) = Paging.Page([3, 1, 2], Comparer<int>.Default, skip: 3_000_000_000L, take: 100);
        Assert.Equal(3, total);
        Assert.Empty(got);
    }
}
