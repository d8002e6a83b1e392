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
        _pointsCut = pointsCut ?? new Dictionary<ReceiptKey, int>();
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

    /// <summary>The cost the insurer bears after 査定: (declared points − points cut) × 10 yen. 高額療養費 is computed on it.</summary>
    public long AssessedCostYen(Receipt r) => (r.DeclaredPoints - (long)_pointsCut.GetValueOrDefault(r.Key)) * 10;

    private readonly Dictionary<Receipt, string> _persons = new(ReferenceEqualityComparer.Instance);

    /// <summary>The person a receipt is for: the eligibility person id when known, else the receipt's own person key.</summary>
    public string PersonOf(Receipt r)
    {
        if (!_persons.TryGetValue(r, out var person))
            _persons[r] = person = RowsOf(r.Branch, r.BirthDate, r.Sex).FirstOrDefault()?.PersonId ?? r.PersonKey;
        return person;
    }

    /// <summary>The person named by 枝番 on a check-up, 傷病届 or 柔整 claim.</summary>
    public string PersonOf(string branch, int birthDate = 0, byte sex = 0) =>
        RowsOf(branch, birthDate, sex).FirstOrDefault()?.PersonId ?? branch;

    /// <summary>The eligibility rows of a person of this card, by 枝番, or by birth date and sex when the claim has none.</summary>
    public IEnumerable<EligibilityEvent> RowsOf(string? branch, int birthDate, byte sex) =>
        string.IsNullOrEmpty(branch)
            ? Eligibility.Where(e => e.BirthDate == birthDate && e.Sex == sex)
            : Eligibility.Where(e => e.Branch == branch);

    /// <summary>
    /// The eligibility row in force on <paramref name="date"/> (YYYYMMDD): the latest acquire/change row that started
    /// on or before it and has not ended, unless a lose row closed that period before the date. Null: not covered.
    /// </summary>
    public static EligibilityEvent? InForce(IEnumerable<EligibilityEvent> rows, int date)
    {
        EligibilityEvent? current = null;
        var losses = new List<EligibilityEvent>();
        foreach (var row in rows)
        {
            if (row.Kind == EligibilityEventKind.Lose) { losses.Add(row); continue; }
            if (row.ValidFrom > date) continue;
            if (current is null || row.ValidFrom > current.ValidFrom
                || (row.ValidFrom == current.ValidFrom && SameDayOrder(row, current) > 0))
                current = row;
        }
        if (current is null || current.ValidTo < date) return null;
        return losses.Any(l => l.ValidTo is { } end && end < date && end >= current.ValidFrom) ? null : current;
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

    /// <summary>The first day of <paramref name="month"/> the rows cover, or null.</summary>
    public static EligibilityEvent? FirstCoveredDay(IEnumerable<EligibilityEvent> rows, YearMonth month, out int day)
    {
        var list = rows as IReadOnlyCollection<EligibilityEvent> ?? rows.ToList();
        var days = DateTime.DaysInMonth(month.Year, month.Month);
        for (day = 1; day <= days; day++)
            if (InForce(list, month.Value * 100 + day) is { } row) return row;
        day = 0;
        return null;
    }

    /// <summary>Whether the person is 70 or over in a month (from the 1st of the month, DOMAIN.md 70歳以上).</summary>
    public static bool IsSeventyPlus(int birthDate, YearMonth month) => (month.Value * 100 + 1 - birthDate) / 10000 >= 70;
}
