using Shinsa.Grains.Records;

namespace Shinsa.Grains.Rollups;

/// <summary>
/// The months a sum over rollup cells reads: from <see cref="From"/> to <see cref="To"/> (inclusive) of the cells' own
/// month (診療年月 for KPI cells, the measure's month for measure cells), or with <see cref="Billed"/> of their 請求年月.
/// The cells are kept by month (<see cref="CellRollup{TKey,TValue}"/>), so a sum over one month walks that month's
/// cells, not the whole history.
/// </summary>
public readonly record struct Months(YearMonth From, YearMonth To, bool Billed = false)
{
    /// <summary>Every month: a trend, or a sum whose filter knows no month.</summary>
    public static Months All { get; } = new(new YearMonth(int.MinValue), new YearMonth(int.MaxValue));

    /// <summary>The cells of <paramref name="month"/> (their own month).</summary>
    public static Months In(YearMonth month) => new(month, month);

    /// <summary>The cells of <paramref name="month"/> and every month before it (running sums of changes).</summary>
    public static Months Through(YearMonth month) => new(All.From, month);

    /// <summary>The cells billed in <paramref name="month"/> (請求年月), whatever their own month.</summary>
    public static Months BilledIn(YearMonth month) => new(month, month, Billed: true);

    public bool Contains(YearMonth month) => From <= month && month <= To;
}
