namespace Shinsa.Silo.Storage;

/// <summary>
/// Durable storage of the silo: the input log partitioned by shard, submissions, grain snapshots and the per-shard
/// checkpoints that say which log position the snapshots include. The embedded default is SQLite; the cluster
/// mode fills the same contract on PostgreSQL.
/// </summary>
public interface ILogStore : IDisposable
{
    /// <summary>Where the data is, for the start-up log (never a password).</summary>
    string Description { get; }

    /// <summary>Creates or migrates the schema; fails when the store was created with another shard count.</summary>
    void Initialize(int shardCount);

    /// <summary>The shard count the store was created with; null for a store not initialised yet. Creates nothing.</summary>
    int? StoredShardCount();

    /// <summary>
    /// Appends, in one transaction, every submission of the batch that is not stored yet, with its log entries.
    /// A submission whose id is already stored is left untouched and reported as a duplicate (idempotency).
    /// </summary>
    IReadOnlyList<AppendOutcome> Append(IReadOnlyList<SubmissionAppend> batch);

    SubmissionRow? FindSubmission(string id);

    /// <summary>Who holds a card: the card → person/household index built from eligibility rows.</summary>
    CardIndexRow? FindCard(string insurerNo, string symbol, string number, string branch);

    /// <summary>Every card the eligibility feed has given a person (振替: the coverage a claim should have been billed to).</summary>
    IReadOnlyList<CardIndexRow> CardsOfPerson(string personId);

    /// <summary>The shard's log entries after <paramref name="afterSeq"/>, in log order.</summary>
    IEnumerable<StoredEntry> ReadShard(int shard, long afterSeq);

    /// <summary>
    /// The log entries of the listed shards that come after both the shard's own position and <paramref name="fromSeq"/>,
    /// in log order, at most <paramref name="max"/>; with the position the read covers: every entry of these shards up to
    /// it was returned or was not after its shard's position. A cluster worker reads the tails of all its shards this way
    /// at each wake, from where its last read's cover ended, so the store walks only the log's newest positions. This
    /// default covers up to the last entry returned; a store that can tell where the log ends covers up to there when
    /// fewer than <paramref name="max"/> entries were left.
    /// </summary>
    LogTail ReadTails(IReadOnlyList<(int Shard, long AfterSeq)> positions, long fromSeq, int max)
    {
        var entries = positions.SelectMany(p => ReadShard(p.Shard, Math.Max(p.AfterSeq, fromSeq)).Take(max)).OrderBy(e => e.Seq).Take(max).ToList();
        return new LogTail(entries, entries.Count > 0 ? Math.Max(fromSeq, entries[^1].Seq) : fromSeq);
    }

    ShardCheckpoint? LoadCheckpoint(int shard);

    byte[]? LoadGrain(int shard, string grainKey);

    /// <summary>How many records wait for an identity (a receipt or a person not known yet).</summary>
    int WaitingCount();

    /// <summary>The keys of every grain stored for the shard (a rule change re-reviews them all).</summary>
    IReadOnlyList<string> GrainKeys(int shard);

    /// <summary>The stored snapshots among <paramref name="grains"/> (absent ones are left out), in one read.</summary>
    IReadOnlyDictionary<(int Shard, string Key), byte[]> LoadGrains(IReadOnlyCollection<(int Shard, string Key)> grains);

    /// <summary>
    /// Writes the grains, findings, 高額療養費 rows and timers changed since the last checkpoint, adds the KPI and measure
    /// cells' changes to the stored totals, and writes the rest of the shard partials and the position they include,
    /// atomically. The rows are keyed and replace the earlier row of their key; an empty body deletes the row (a timer that
    /// fired). The totals are every shard's cells summed: a cell's row is added to, by whichever shard changed it.
    /// </summary>
    void WriteCheckpoint(CheckpointWrite checkpoint);

    /// <summary>
    /// The shard's findings as its checkpoints wrote them (keyed by finding id). They are kept apart from the partials
    /// so a checkpoint writes only the findings that changed, not the whole worklist.
    /// </summary>
    IReadOnlyList<byte[]> LoadFindings(int shard);

    /// <summary>
    /// Every shard's stored findings of a scope (<see cref="ShardRow.Scope"/>: the worklist's insurer and month), each
    /// with the log position of the checkpoint that wrote it (so a reader can tell it from a change made since), read as
    /// they are enumerated.
    /// </summary>
    IEnumerable<ScopedRow> FindingsInScope(string scope);

    /// <summary>
    /// Every KPI cell's total over every shard's checkpoints (a cell back at zero may be among them, as zeros). Kept apart
    /// from the partials and summed over the shards: a provider's cell of a month is changed by every shard where one of
    /// its patients' households lives, and held per shard it was about a cell per receipt on 256 shards.
    /// </summary>
    IReadOnlyList<CellDelta> LoadKpiTotals();

    /// <summary>Every measure cell's total over every shard's checkpoints, as <see cref="LoadKpiTotals"/>.</summary>
    IReadOnlyList<CellDelta> LoadMeasureTotals();

    /// <summary>The shard's 高額療養費 rows as its checkpoints wrote them (keyed by household and month), apart for the same reason.</summary>
    IReadOnlyList<byte[]> LoadHighCost(int shard);

    /// <summary>Every shard's stored 高額療養費 rows of a scope (insurer and service month), as <see cref="FindingsInScope"/>.</summary>
    IEnumerable<ScopedRow> HighCostInScope(string scope);

    /// <summary>The shard's durable timers as its checkpoints wrote them (keyed by due month and household), apart for the same reason.</summary>
    IReadOnlyList<byte[]> LoadTimers(int shard);

    /// <summary>
    /// The shard's stored timers whose key sorts before <paramref name="keyBound"/>: a timer's key starts with its due
    /// month (yyyyMM), so the timers due up to a month are those before the next month's number.
    /// </summary>
    IReadOnlyList<byte[]> TimersBefore(int shard, string keyBound);
}

/// <summary>One record for the log: its shard, and its payload (a serialized LogRecord).</summary>
public readonly record struct EntryAppend(int Shard, byte[] Payload);

public sealed record SubmissionAppend(SubmissionRow Submission, IReadOnlyList<EntryAppend> Entries)
{
    /// <summary>Card index rows to upsert in the same transaction (eligibility submissions only).</summary>
    public IReadOnlyList<CardIndexRow> CardIndex { get; init; } = [];

    /// <summary>Identities this submission makes known (its receipts, its people's cards); they release waiting records.</summary>
    public IReadOnlyList<IdentityRow> Identities { get; init; } = [];

    /// <summary>Records that name an identity instead of a household card; logged now if it is known, else kept waiting.</summary>
    public IReadOnlyList<WaitingRecord> Waiting { get; init; } = [];

    /// <summary>The medical cards its eligibility rows give people, by the day each began (care claims go by them).</summary>
    public IReadOnlyList<PersonCardRow> PersonCards { get; init; } = [];
}

/// <summary>
/// The outcome of one submission's append. <see cref="FirstSeq"/> is the log position of its first entry; the
/// entries got consecutive positions in their order, followed by <see cref="Resolved"/> (waiting records this append
/// moved into the log). Null when the submission was a duplicate.
/// </summary>
public sealed record AppendOutcome(string Id, bool Duplicate, long? FirstSeq)
{
    public IReadOnlyList<EntryAppend> Resolved { get; init; } = [];
}

public sealed record StoredEntry(long Seq, int Shard, byte[] Payload);

/// <summary>What <see cref="ILogStore.ReadTails"/> read, and the log position up to which it covers the shards asked.</summary>
public sealed record LogTail(IReadOnlyList<StoredEntry> Entries, long CoveredThrough);

/// <summary>A stored row found by its scope, with the applied position of the checkpoint that wrote it.</summary>
public readonly record struct ScopedRow(long CheckpointSeq, byte[] Body);

/// <summary>
/// A keyed row a checkpoint writes (a grain snapshot, finding, 高額療養費 row or timer); an empty body deletes the row.
/// <see cref="Scope"/> is what a query finds the row by, for the tables that have one (findings and 高額療養費 rows: their
/// insurer and service month), so a worklist reads its rows, not the shard's; those rows also keep the checkpoint's
/// position (<see cref="ScopedRow"/>).
/// </summary>
public readonly record struct ShardRow(string Key, byte[] Body, string? Scope = null);

/// <summary>
/// An additive cell (KPI or measure): its encoded key and its values. In a checkpoint, a change the store adds to the
/// cell's total value by value; read back, the total.
/// </summary>
public readonly record struct CellDelta(byte[] Key, long[] Values);

/// <summary>
/// One shard's checkpoint (see <see cref="ILogStore.WriteCheckpoint"/>): the keyed rows changed since the last one
/// (an empty body deletes its row), the cells' changes, the rest of the partials and the log position they include.
/// </summary>
public sealed record CheckpointWrite(int Shard, long AppliedSeq, byte[] Partials, IReadOnlyCollection<ShardRow> Grains,
    IReadOnlyCollection<ShardRow> Findings, IReadOnlyCollection<ShardRow> HighCost, IReadOnlyCollection<ShardRow> Timers)
{
    /// <summary>KPI cells' changes since the last checkpoint, added to the stored totals.</summary>
    public IReadOnlyCollection<CellDelta> KpiCells { get; init; } = [];

    /// <summary>Measure cells' changes since the last checkpoint, added to the stored totals.</summary>
    public IReadOnlyCollection<CellDelta> MeasureCells { get; init; } = [];

    /// <summary>
    /// Where each kind of keyed row goes: table, key column, body column, and whether it has a scope column (and the
    /// position of the checkpoint that wrote it). Both stores write them in this order.
    /// </summary>
    public static IReadOnlyList<(string Table, string KeyColumn, string BodyColumn, bool Scoped, Func<CheckpointWrite, IReadOnlyCollection<ShardRow>> Rows)> KeyedRows { get; } =
    [
        ("grains", "key", "state", false, c => c.Grains),
        ("findings", "id", "body", true, c => c.Findings),
        ("high_cost", "id", "body", true, c => c.HighCost),
        ("timers", "id", "body", false, c => c.Timers),
    ];
}

public sealed record ShardCheckpoint(int Shard, long AppliedSeq, byte[] Partials);

/// <summary>What the store keeps of a submission: its counts and messages, and, per shard, its last log position
/// (it is applied when every one of those shards has applied that far).</summary>
public sealed record SubmissionRow(
    string Id,
    string Kind,
    string FileName,
    int Submitted,
    int Accepted,
    int Rejected,
    long Points,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<SubmissionError> Errors,
    IReadOnlyDictionary<int, long> LastSeqByShard);

public sealed record SubmissionError(int Line, string Reason);

/// <summary>A row of the card → person/household index (資格索引) built from the eligibility feed.</summary>
public sealed record CardIndexRow(string InsurerNo, string Symbol, string Number, string Branch, string PersonId, string HouseholdId)
{
    /// <summary>A person's cards from a reader on <c>SELECT insurer_no, symbol, number, branch, household_id</c>.</summary>
    public static List<CardIndexRow> ReadCardsOf(string personId, System.Data.Common.DbDataReader reader)
    {
        var rows = new List<CardIndexRow>();
        while (reader.Read())
            rows.Add(new CardIndexRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), personId, reader.GetString(4)));
        return rows;
    }
}
