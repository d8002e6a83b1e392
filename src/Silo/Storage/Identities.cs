using Shinsa.Grains;
using Shinsa.Grains.Records;
using Shinsa.Silo.Actors;

namespace Shinsa.Silo.Storage;

/// <summary>
/// An identity the store can resolve to a household card: a receipt (<c>r:PROVIDER/YYYY-MM/NO</c>, from the claim
/// files), a person (<c>p:PERSON_ID</c>, from medical eligibility rows), a care card (<c>k:INSURER:NUMBER</c>, from
/// 介護 eligibility rows, an alias of its person) or a care claim (<c>c:…</c>, its key: the household it went to).
/// Records that name one of the first three instead of a household card
/// (review decisions, care claims and their withdrawals) wait for it durably, in the store, and go into the log the moment it is known.
/// </summary>
public sealed record IdentityRow(string Key, string? CardKey, string Branch, string? AliasOf = null)
{
    /// <summary>The row of <paramref name="key"/> from a reader on <c>SELECT card, branch, alias_of</c>, or null when there is none.</summary>
    public static IdentityRow? Read(string key, System.Data.Common.DbDataReader reader) =>
        reader.Read()
            ? new IdentityRow(key, reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;

    public static string OfReceipt(ReceiptKey key) => $"r:{key}";

    /// <summary>The receipt an identity of <see cref="OfReceipt"/> names; null for a person or a care card.</summary>
    public static ReceiptKey? ReceiptOf(string key)
    {
        if (!key.StartsWith("r:", StringComparison.Ordinal)) return null;
        var parts = key[2..].Split('/');
        return new ReceiptKey(parts[0], YearMonth.Parse(parts[1]), int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    public static string OfPerson(string personId) => $"p:{personId}";

    /// <summary>The person an identity of <see cref="OfPerson"/> names; null for any other.</summary>
    public static string? PersonOf(string? key) => key is not null && key.StartsWith("p:", StringComparison.Ordinal) ? key[2..] : null;

    public static string OfCareCard(string insurerNo, string number) => $"k:{insurerNo}:{number}";

    /// <summary>The household a care claim went to, by the claim's key (<see cref="CareClaimHeld.Key"/>).</summary>
    public static string OfCareClaim(CareClaimKey key) =>
        $"c:{key.Insurer}:{key.Insured}:{key.Provider}:{key.Month}:{key.ServiceType}";
}

/// <summary>A record waiting for an identity: its encoded log record (its card not yet filled in).</summary>
public sealed record WaitingRecord(string IdentityKey, byte[] Payload);

/// <summary>
/// A review decision that went into the log, by its receipt's identity: the store keeps it so that it follows the
/// receipt when the receipt is sent again under another card.
/// </summary>
public sealed record AppliedDecision(string ReceiptIdentity, byte[] Payload);

/// <summary>
/// A medical card a person holds from <see cref="ValidFrom"/> (YYYYMMDD) on, from an eligibility row: a care claim goes
/// to the household of the card its person held in its service month, not of the card they hold when it arrives.
/// </summary>
public sealed record PersonCardRow(string PersonId, int ValidFrom, string CardKey, string Branch)
{
    /// <summary>The row an eligibility event gives; null for a lost card or a 介護 card.</summary>
    public static PersonCardRow? Of(EligibilityEvent e) =>
        e.Kind == EligibilityEventKind.Lose || e.System == InsuranceSystem.Kaigo ? null : new(e.PersonId, e.ValidFrom, e.Card.Key, e.Branch);
}

/// <summary>What a store keeps apart from the log but can rebuild from it: its decisions and its people's medical cards.</summary>
public sealed class KeptFromLog
{
    public List<AppliedDecision> Decisions { get; } = new();
    public List<PersonCardRow> PersonCards { get; } = new();

    /// <summary>A store made before it kept them reads them from its log once (every payload, in log order).</summary>
    public static KeptFromLog Read(IEnumerable<byte[]> payloads)
    {
        var kept = new KeptFromLog();
        foreach (var payload in payloads)
        {
            if (!GrainCodec.IsDecisionOrEligibility(payload)) continue;
            switch (GrainCodec.DecodeRecord(payload))
            {
                case DecisionArrived d: kept.Decisions.Add(new AppliedDecision(IdentityRow.OfReceipt(d.Decision.Receipt), payload)); break;
                case EligibilityArrived e when PersonCardRow.Of(e.Event) is { } card: kept.PersonCards.Add(card); break;
            }
        }
        return kept;
    }
}

/// <summary>What the planner needs to read of the store, inside the append's transaction.</summary>
public interface IIdentityReader
{
    IdentityRow? Find(string key);
    IReadOnlyList<string> AliasesOf(string key);
    IReadOnlyList<(long Id, WaitingRecord Record)> Waiting(string key);
    /// <summary>The card stored for each of <paramref name="keys"/> that has one (in one store call: a claim file's receipts).</summary>
    IReadOnlyDictionary<string, string> CardsOf(IReadOnlyCollection<string> keys);
    /// <summary>The decisions that went into the log for each of <paramref name="receiptIdentities"/> (in one store call).</summary>
    IReadOnlyList<AppliedDecision> DecisionsOn(IReadOnlyCollection<string> receiptIdentities);
    /// <summary>The medical card of the person that began last on or before <paramref name="day"/> (YYYYMMDD), if any.</summary>
    PersonCardRow? PersonCardOn(string personId, int day);
    /// <summary>Whether anything waits at all: usually nothing does, and a claim file's thousands of receipt identities then need no lookup.</summary>
    bool AnyWaiting();
}

/// <summary>
/// Decides, inside one append transaction and in submission order, which waiting records become log entries: those
/// whose identity is known (from the store or from a submission earlier in the same batch) go in after the
/// submission's own entries; the others are stored as waiting. Both store implementations run this same plan, so
/// the move from "waiting" to "in the log" happens exactly once.
/// </summary>
public sealed class IdentityPlan(IIdentityReader store, ShardMap map)
{
    private readonly Dictionary<string, IdentityRow> _added = new();
    private readonly Dictionary<string, IdentityRow?> _found = new();
    private readonly Dictionary<string, List<string>> _addedAliases = new();
    private readonly HashSet<long> _released = new();
    private readonly List<AppliedDecision> _decided = new();
    private readonly List<PersonCardRow> _personCards = new();
    private bool? _storeHasWaiting;
    private readonly List<(long Id, WaitingRecord Record)> _newWaiting = new();
    private long _nextNewId = -1;

    public List<IdentityRow> IdentitiesToWrite { get; } = new();
    public List<WaitingRecord> WaitingToInsert => _newWaiting.Where(w => !_released.Contains(w.Id)).Select(w => w.Record).ToList();
    public List<long> WaitingToDelete => _released.Where(id => id > 0).ToList();
    /// <summary>The decisions this batch puts into the log, for the store to keep by their receipt (<see cref="AppliedDecision"/>).</summary>
    public IReadOnlyList<AppliedDecision> DecisionsToWrite => _decided;
    /// <summary>The people's medical cards this batch makes known, in submission order (a later row for the same day wins).</summary>
    public IReadOnlyList<PersonCardRow> PersonCardsToWrite => _personCards;

    /// <summary>The entries one submission adds beyond its own: the waiting records its identities release, and its own records that can be resolved now.</summary>
    public List<EntryAppend> Plan(SubmissionAppend submission)
    {
        var entries = ReceiptsLeaving(submission.Identities);
        foreach (var identity in submission.Identities) Add(identity);
        _personCards.AddRange(submission.PersonCards);
        foreach (var waiting in submission.Waiting)
        {
            if (Resolve(waiting.IdentityKey) is { } target) entries.Add(Entry(waiting, target));
            else _newWaiting.Add((_nextNewId--, waiting));
        }
        if (!(_storeHasWaiting ??= store.AnyWaiting()) && _newWaiting.Count == 0) return entries;
        foreach (var identity in submission.Identities)
            foreach (var key in AffectedBy(identity.Key))
                foreach (var (id, record) in WaitingOn(key))
                    if (Resolve(key) is { } target && _released.Add(id))
                        entries.Add(Entry(record, target));
        return entries;
    }

    /// <summary>
    /// A receipt sent again under its key with another card (a corrected 記号・番号: 再請求 in the same 請求年月) replaces
    /// the one in the household of the card it had: that household gets the receipt's withdrawal (invariant 4), or it
    /// would go on counting the receipt the new card's household now holds. Every card the key had before, in the store
    /// or earlier in this batch or file, other than the card it ends with in this submission, gets one. They follow the
    /// submission's own entries, so a withdrawal reaches a household after any receipt of this file it takes back.
    /// The review decisions on a receipt that moved go to its new household again (<see cref="DecisionsFollowing"/>).
    /// </summary>
    private List<EntryAppend> ReceiptsLeaving(IReadOnlyList<IdentityRow> identities)
    {
        var leaving = new List<EntryAppend>();
        var receipts = identities.Where(i => i.CardKey is not null && i.Key.StartsWith("r:", StringComparison.Ordinal)).ToList();
        if (receipts.Count == 0) return leaving;
        var stored = store.CardsOf(receipts.Select(i => i.Key).Where(k => !_added.ContainsKey(k)).Distinct().ToList());
        var final = new Dictionary<string, string>();
        foreach (var identity in receipts) final[identity.Key] = identity.CardKey!;
        var left = new HashSet<(string Key, string Card)>();
        var current = new Dictionary<string, string>(); // the card of a key sent earlier in this submission
        var moved = new HashSet<string>();
        foreach (var identity in receipts)
        {
            var before = current.TryGetValue(identity.Key, out var earlier) ? earlier
                : _added.TryGetValue(identity.Key, out var added) ? added.CardKey : stored.GetValueOrDefault(identity.Key);
            if (!current.ContainsKey(identity.Key) && before is not null && before != final[identity.Key]) moved.Add(identity.Key);
            current[identity.Key] = identity.CardKey!;
            foreach (var card in new[] { before, identity.CardKey })
                if (card is not null && card != final[identity.Key] && left.Add((identity.Key, card)))
                {
                    var household = HouseholdCard.FromKey(card);
                    var key = IdentityRow.ReceiptOf(identity.Key)!.Value;
                    leaving.Add(new EntryAppend(map.ShardOf(household), GrainCodec.Encode(new ReceiptWithdrawn(household, key))));
                }
        }
        leaving.AddRange(DecisionsFollowing(moved, final));
        return leaving;
    }

    /// <summary>
    /// The decisions (返戻, 査定, …) that went into the log for receipts that moved to another card, sent to the household
    /// of the card each ends with: a household keeps the decisions by receipt key and recounts a receipt under them,
    /// so without them the new household would count a returned or cut receipt in full. Decisions combine as a set, so
    /// one that reaches a household again changes nothing. The household the receipt left keeps its copy, where it
    /// counts only if the receipt comes back.
    /// </summary>
    private IEnumerable<EntryAppend> DecisionsFollowing(IReadOnlyCollection<string> moved, IReadOnlyDictionary<string, string> final)
    {
        if (moved.Count == 0) yield break;
        foreach (var decision in store.DecisionsOn(moved).Concat(_decided.Where(d => moved.Contains(d.ReceiptIdentity))))
        {
            var household = HouseholdCard.FromKey(final[decision.ReceiptIdentity]);
            var record = (DecisionArrived)GrainCodec.DecodeRecord(decision.Payload) with { ReceiptCard = household };
            yield return new EntryAppend(map.ShardOf(household), GrainCodec.Encode(record));
        }
    }

    /// <summary>An identity this batch writes: later submissions of the batch, and records released by it, see it.</summary>
    private void Add(IdentityRow identity)
    {
        _added[identity.Key] = identity;
        if (identity.AliasOf is { } alias)
            (_addedAliases.TryGetValue(alias, out var list) ? list : _addedAliases[alias] = new()).Add(identity.Key);
        IdentitiesToWrite.Add(identity);
    }

    /// <summary>An identity as this batch left it (added earlier in it) or, failing that, as the store has it.</summary>
    private IdentityRow? Known(string key)
    {
        if (_added.TryGetValue(key, out var added)) return added;
        // The store's identities do not change while the batch is planned (its own go to _added), so each is read once:
        // a care claim asks for its care card and person to resolve it and again for its service month's card, and a
        // file's claims mostly name the same few people.
        if (!_found.TryGetValue(key, out var found)) _found[key] = found = store.Find(key);
        return found;
    }

    private (HouseholdCard Card, string Branch)? Resolve(string key)
    {
        var row = Known(key);
        if (row?.AliasOf is { } alias) row = Known(alias);
        return HouseholdOf(row);
    }

    private static (HouseholdCard Card, string Branch)? HouseholdOf(IdentityRow? row) =>
        row?.CardKey is { } card ? (HouseholdCard.FromKey(card), row.Branch) : null;

    // Only a person has aliases (its care cards); a receipt identity has none, so it costs no lookup.
    private IEnumerable<string> AffectedBy(string key) =>
        key.StartsWith("p:", StringComparison.Ordinal)
            ? new[] { key }.Concat(store.AliasesOf(key)).Concat(_addedAliases.GetValueOrDefault(key) ?? []).Distinct()
            : [key];

    private IEnumerable<(long Id, WaitingRecord Record)> WaitingOn(string key) =>
        (_storeHasWaiting == true ? store.Waiting(key) : []).Concat(_newWaiting.Where(w => w.Record.IdentityKey == key)).Where(w => !_released.Contains(w.Id)).ToList();

    private EntryAppend Entry(WaitingRecord waiting, (HouseholdCard Card, string Branch) target)
    {
        var record = GrainCodec.DecodeRecord(waiting.Payload);
        var household = record switch
        {
            CareClaimArrived c => HouseholdOfClaim(c.Held.Key) ?? Remember(c.Held.Key, MedicalCardIn(waiting.IdentityKey, c.Held.Claim.ServiceMonth) ?? target),
            CareClaimWithdrawn w => HouseholdOfClaim(w.Key) ?? MedicalCardIn(waiting.IdentityKey, w.ServiceMonth) ?? target,
            _ => target,
        };
        LogRecord routed = record switch
        {
            DecisionArrived d => d with { ReceiptCard = household.Card },
            CareClaimArrived c => new CareClaimArrived(c.Held with { Card = household.Card, Branch = household.Branch }),
            CareClaimWithdrawn w => w with { ClaimCard = household.Card },
            var other => throw new InvalidOperationException($"{other.GetType().Name} cannot wait for an identity"),
        };
        var payload = GrainCodec.Encode(routed);
        if (routed is DecisionArrived) _decided.Add(new AppliedDecision(waiting.IdentityKey, payload));
        return new EntryAppend(map.ShardOf(household.Card), payload);
    }

    // A care claim stays in the household it first went to (MedicalCardIn): a correction or withdrawal under its key goes
    // where the claim is, even after the person moved to another card (their card now would leave the claim counted in
    // the old household, against invariant 4). Claims from before this identity existed have none, and go as a new
    // claim would.
    private (HouseholdCard Card, string Branch)? HouseholdOfClaim(CareClaimKey key) =>
        HouseholdOf(Known(IdentityRow.OfCareClaim(key)));

    // A care claim goes first to the household of the medical card its person held in the claim's service month (the
    // card that began last by the month's end), beside that month's 入院 receipts: claims come a month or more after
    // their service, and a person who changed cards meanwhile (at 75, 国保 → 後期) would otherwise have the claim checked
    // against the wrong household. With no card known by then, the person's latest card (the target) takes it.
    private (HouseholdCard Card, string Branch)? MedicalCardIn(string careCardKey, YearMonth month)
    {
        if (IdentityRow.PersonOf(Known(careCardKey)?.AliasOf) is not { } person) return null;
        var monthEnd = month.Value * 100 + 31;
        var card = store.PersonCardOn(person, monthEnd);
        // This batch's rows are newer than the store's: one for the same day replaces it.
        foreach (var added in _personCards)
            if (added.PersonId == person && added.ValidFrom <= monthEnd && (card is null || added.ValidFrom >= card.ValidFrom))
                card = added;
        return card is null ? null : (HouseholdCard.FromKey(card.CardKey), card.Branch);
    }

    private (HouseholdCard Card, string Branch) Remember(CareClaimKey key, (HouseholdCard Card, string Branch) household)
    {
        Add(new IdentityRow(IdentityRow.OfCareClaim(key), household.Card.Key, household.Branch));
        return household;
    }
}
