using Shinsa.Grains.Records;

namespace Shinsa.Grains.Review;

/// <summary>
/// A household's records as the checks read them: receipts decoded and in key order, eligibility, check-ups, 傷病届,
/// 柔整 and care claims; and who is who. Claims name a person by 枝番 (or, on a personal 後期 card without one, by
/// birth date and sex); the eligibility rows give that person's id, which every check groups by.
/// </summary>
public sealed class HouseholdFacts
{
    public HouseholdFacts(HouseholdCard card, IReadOnlyList<Receipt> receipts, IReadOnlyList<EligibilityEvent> eligibility,
        IReadOnlyList<Checkup> checkups, IReadOnlyList<ThirdPartyReport> reports, IReadOnlyList<JudoClaim> judoClaims,
        IReadOnlyList<CareClaimHeld> careClaims, IReadOnlyDictionary<ReceiptKey, int>? pointsCut = null)
    {
        CareClaims = careClaims;
        _pointsCut = pointsCut ?? NoneCut;
        Card = card;
        Receipts = receipts;
        Eligibility = eligibility;
        Checkups = checkups;
        ThirdPartyReports = reports;
        JudoClaims = judoClaims;
    }

    public HouseholdCard Card { get; }
    public IReadOnlyList<Receipt> Receipts { get; }
    public IReadOnlyList<EligibilityEvent> Eligibility { get; }
    public IReadOnlyList<Checkup> Checkups { get; }
    public IReadOnlyList<ThirdPartyReport> ThirdPartyReports { get; }
    public IReadOnlyList<JudoClaim> JudoClaims { get; }
    public IReadOnlyList<CareClaimHeld> CareClaims { get; }
    private readonly IReadOnlyDictionary<ReceiptKey, int> _pointsCut;
    private static readonly Dictionary<ReceiptKey, int> NoneCut = new();

    /// <summary>The cost the insurer bears after 査定: (declared points − points cut) × 10 yen. 高額療養費 is computed on it.</summary>
    public long AssessedCostYen(Receipt r) => (r.DeclaredPoints - (long)_pointsCut.GetValueOrDefault(r.Key)) * 10;

    private Dictionary<Receipt, string>? _persons;

    /// <summary>The person a receipt is for: the eligibility person id when known, else the receipt's own person key.</summary>
    public string PersonOf(Receipt r)
    {
        _persons ??= new(ReferenceEqualityComparer.Instance);
        if (!_persons.TryGetValue(r, out var person))
            _persons[r] = person = RowsOf(r.Branch, r.BirthDate, r.Sex).FirstOrDefault()?.PersonId ?? r.PersonKey;
        return person;
    }

    /// <summary>The person named by 枝番 on a check-up, 傷病届 or 柔整 claim.</summary>
    public string PersonOf(string branch, int birthDate = 0, byte sex = 0) =>
        RowsOf(branch, birthDate, sex).FirstOrDefault()?.PersonId ?? branch;

    /// <summary>
    /// The eligibility rows of a person of this card, by 枝番, or by birth date and sex when the claim has none; in the
    /// order of <see cref="Eligibility"/>. Every check asks this for every receipt: the rows by 枝番 are gathered once.
    /// </summary>
    public IReadOnlyList<EligibilityEvent> RowsOf(string? branch, int birthDate, byte sex)
    {
        if (Eligibility.Count == 0) return NoRows;
        if (string.IsNullOrEmpty(branch)) return Eligibility.Where(e => e.BirthDate == birthDate && e.Sex == sex).ToList();
        _rowsByBranch ??= Eligibility.GroupBy(e => e.Branch).ToDictionary(g => g.Key, g => (IReadOnlyList<EligibilityEvent>)g.ToList());
        return _rowsByBranch.GetValueOrDefault(branch) ?? NoRows;
    }

    private Dictionary<string, IReadOnlyList<EligibilityEvent>>? _rowsByBranch;
    private static readonly EligibilityEvent[] NoRows = [];

    /// <summary>
    /// The eligibility row in force on <paramref name="date"/> (YYYYMMDD): the latest acquire/change row that started
    /// on or before it and has not ended, unless a lose row closed that period before the date. Null: not covered.
    /// </summary>
    public static EligibilityEvent? InForce(IEnumerable<EligibilityEvent> rows, int date)
    {
        // Asked for many days of every receipt's month: two passes over the rows, nothing allocated.
        EligibilityEvent? current = null;
        foreach (var row in rows)
        {
            if (row.Kind == EligibilityEventKind.Lose || row.ValidFrom > date) continue;
            if (current is null || row.ValidFrom > current.ValidFrom
                || (row.ValidFrom == current.ValidFrom && SameDayOrder(row, current) > 0))
                current = row;
        }
        if (current is null || current.ValidTo < date) return null;
        foreach (var loss in rows)
            if (loss.Kind == EligibilityEventKind.Lose && loss.ValidTo is { } end && end < date && end >= current.ValidFrom) return null;
        return current;
    }

    // Two rows starting the same day: change wins over acquire, then the values decide, so the answer never depends
    // on the order the rows arrived in.
    private static int SameDayOrder(EligibilityEvent a, EligibilityEvent b)
    {
        var c = a.Kind.CompareTo(b.Kind);
        if (c == 0) c = a.BurdenPct.CompareTo(b.BurdenPct);
        if (c == 0) c = string.CompareOrdinal(a.IncomeClass, b.IncomeClass);
        return c;
    }

    /// <summary>
    /// The periods <paramref name="rows"/> (one person's) cover, as <see cref="InForce"/> reads them, merged and in
    /// order: (first day, last day or null when open). Coverage can only change on a row's first day or the day after
    /// a row or a loss ends, so those days are the only ones looked at.
    /// </summary>
    public static List<(int From, int? To)> CoveredPeriods(IReadOnlyCollection<EligibilityEvent> rows)
    {
        var boundaries = new SortedSet<int>();
        foreach (var row in rows)
        {
            if (row.Kind != EligibilityEventKind.Lose) boundaries.Add(row.ValidFrom);
            if (row.ValidTo is { } end) boundaries.Add(NextDay(end));
        }
        var periods = new List<(int From, int? To)>();
        int? openedOn = null;
        foreach (var day in boundaries)
        {
            var covered = InForce(rows, day) is not null;
            if (covered && openedOn is null) openedOn = day;
            else if (!covered && openedOn is { } from)
            {
                periods.Add((from, PreviousDay(day)));
                openedOn = null;
            }
        }
        if (openedOn is { } open) periods.Add((open, null));
        return periods;
    }

    // 9999-12-31 (a common "no end" in real feeds) has no next day: it stays open.
    public static int NextDay(int date) => date >= 99991231 ? date : FromDate(ToDate(date).AddDays(1));
    public static int PreviousDay(int date) => FromDate(ToDate(date).AddDays(-1));
    private static DateOnly ToDate(int date) => new(date / 10000, date / 100 % 100, date % 100);
    private static int FromDate(DateOnly d) => d.Year * 10000 + d.Month * 100 + d.Day;

    /// <summary>The first day of <paramref name="month"/> the rows cover, or null (and <paramref name="day"/> 0).</summary>
    public static EligibilityEvent? FirstCoveredDay(IEnumerable<EligibilityEvent> rows, YearMonth month, out int day)
    {
        day = 0;
        var list = rows as IReadOnlyCollection<EligibilityEvent> ?? rows.ToList();
        if (list.Count == 0) return null;
        // Between two rows' first days the row in force stays the same, and an end or a loss can only take its cover
        // away (see InForce): cover can begin only on the 1st or on an acquire/change row's first day.
        var first = month.Value * 100 + 1;
        var last = month.Value * 100 + DateTime.DaysInMonth(month.Year, month.Month);
        var candidates = new List<int>(list.Count + 1) { first };
        foreach (var row in list)
            if (row.Kind != EligibilityEventKind.Lose && row.ValidFrom > first && row.ValidFrom <= last) candidates.Add(row.ValidFrom);
        candidates.Sort();
        foreach (var date in candidates)
            if (InForce(list, date) is { } row)
            {
                day = date % 100;
                return row;
            }
        return null;
    }

    /// <summary>Whether the person is 70 or over in a month (from the 1st of the month, DOMAIN.md 70歳以上).</summary>
    public static bool IsSeventyPlus(int birthDate, YearMonth month) => (month.Value * 100 + 1 - birthDate) / 10000 >= 70;
}
