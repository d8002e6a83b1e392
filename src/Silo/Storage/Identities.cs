using Shinsa.Grains;
using Shinsa.Grains.Records;
using Shinsa.Silo.Actors;

namespace Shinsa.Silo.Storage;

/// <summary>
/// An identity the store can resolve to a household card: a receipt (<c>r:PROVIDER/YYYY-MM/NO</c>, from the claim
/// files), a person (<c>p:PERSON_ID</c>, from medical eligibility rows) or a care card (<c>k:INSURER:NUMBER</c>, from
/// 介護 eligibility rows, an alias of its person). Records that name one of these instead of a household card
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
    public static string OfPerson(string personId) => $"p:{personId}";
    public static string OfCareCard(string insurerNo, string number) => $"k:{insurerNo}:{number}";
}

/// <summary>A record waiting for an identity: its encoded log record (its card not yet filled in).</summary>
public sealed record WaitingRecord(string IdentityKey, byte[] Payload);

/// <summary>What the planner needs to read of the store, inside the append's transaction.</summary>
public interface IIdentityReader
{
    IdentityRow? Find(string key);
    IReadOnlyList<string> AliasesOf(string key);
    IReadOnlyList<(long Id, WaitingRecord Record)> Waiting(string key);
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
    private readonly Dictionary<string, List<string>> _addedAliases = new();
    private readonly HashSet<long> _released = new();
    private bool? _storeHasWaiting;
    private readonly List<(long Id, WaitingRecord Record)> _newWaiting = new();
    private long _nextNewId = -1;

    public List<IdentityRow> IdentitiesToWrite { get; } = new();
    public List<WaitingRecord> WaitingToInsert => _newWaiting.Where(w => !_released.Contains(w.Id)).Select(w => w.Record).ToList();
    public List<long> WaitingToDelete => _released.Where(id => id > 0).ToList();

    /// <summary>The entries one submission adds beyond its own: the waiting records its identities release, and its own records that can be resolved now.</summary>
    public List<EntryAppend> Plan(SubmissionAppend submission)
    {
        var entries = new List<EntryAppend>();
        foreach (var identity in submission.Identities)
        {
            _added[identity.Key] = identity;
            if (identity.AliasOf is { } alias)
                (_addedAliases.TryGetValue(alias, out var list) ? list : _addedAliases[alias] = new()).Add(identity.Key);
            IdentitiesToWrite.Add(identity);
        }
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

    private (HouseholdCard Card, string Branch)? Resolve(string key)
    {
        var row = _added.GetValueOrDefault(key) ?? store.Find(key);
        if (row?.AliasOf is { } alias) row = _added.GetValueOrDefault(alias) ?? store.Find(alias);
        return row?.CardKey is { } card ? (HouseholdCard.FromKey(card), row.Branch) : null;
    }

    // Only a person has aliases (its care cards); a receipt identity has none, so it costs no lookup.
    private IEnumerable<string> AffectedBy(string key) =>
        key.StartsWith("p:", StringComparison.Ordinal)
            ? new[] { key }.Concat(store.AliasesOf(key)).Concat(_addedAliases.GetValueOrDefault(key) ?? []).Distinct()
            : [key];

    private IEnumerable<(long Id, WaitingRecord Record)> WaitingOn(string key) =>
        (_storeHasWaiting == true ? store.Waiting(key) : []).Concat(_newWaiting.Where(w => w.Record.IdentityKey == key)).Where(w => !_released.Contains(w.Id)).ToList();

    private EntryAppend Entry(WaitingRecord waiting, (HouseholdCard Card, string Branch) target)
    {
        var record = GrainCodec.DecodeRecord(waiting.Payload) switch
        {
            DecisionArrived d => (LogRecord)(d with { ReceiptCard = target.Card }),
            CareClaimArrived c => new CareClaimArrived(c.Held with { Card = target.Card, Branch = target.Branch }),
            CareClaimWithdrawn w => w with { ClaimCard = target.Card },
            var other => throw new InvalidOperationException($"{other.GetType().Name} cannot wait for an identity"),
        };
        return new EntryAppend(map.ShardOf(target.Card), GrainCodec.Encode(record));
    }
}
