using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
using Shinsa.Grains.Households;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains;

/// <summary>
/// The binary form of log records, grain snapshots and rollup partials. Compact (a receipt is a few hundred bytes,
/// a quarter of its JSON) because every record is written twice, to the log and to its grain's snapshot, and the
/// write volume bounds ingest. Each payload starts with a format version so a later format can still read old logs.
/// Equal values encode to equal bytes.
/// </summary>
public static class GrainCodec
{
    // 2 added the 調剤 receipt's prescriber and the check-up, 傷病届 and 柔整 records; 3 the review (care claims,
    // withdrawals, clock and rules records; high-cost results and timers in snapshots; shard partials beyond the KPI
    // cells). Older payloads still read.
    private const byte FormatVersion = 5;
    private const byte ReceiptTag = 1, EligibilityTag = 2, CheckupTag = 3, ThirdPartyTag = 4, JudoTag = 5,
        WithdrawalTag = 6, CareTag = 7, ClockTag = 8, RulesTag = 9, DecisionTag = 10, CareWithdrawalTag = 11;

    public static byte[] Encode(LogRecord record) => Write(record, static (w, record) =>
    {
        switch (record)
        {
            case ReceiptArrived r: w.Write(ReceiptTag); WriteReceipt(w, r.Receipt, r.Receipt.SourceLine); break;
            case EligibilityArrived e: w.Write(EligibilityTag); WriteEligibility(w, e.Event); break;
            case CheckupArrived c: w.Write(CheckupTag); WriteCheckup(w, c.Checkup); break;
            case ThirdPartyReportArrived t: w.Write(ThirdPartyTag); WriteThirdParty(w, t.Report); break;
            case JudoClaimArrived j: w.Write(JudoTag); WriteJudo(w, j.Claim); break;
            case ReceiptWithdrawn x: w.Write(WithdrawalTag); WriteCard(w, x.ReceiptCard); WriteKey(w, x.Key); break;
            case CareClaimArrived c: w.Write(CareTag); WriteCare(w, c.Held); break;
            case CareClaimWithdrawn x:
                w.Write(CareWithdrawalTag); WriteCard(w, x.ClaimCard); w.Write(x.InsurerNo); w.Write(x.InsuredNo); w.Write(x.ProviderNo);
                w.Write(x.ServiceMonth.Value); w.Write(x.ServiceType);
                break;
            case ClockAdvanced c: w.Write(ClockTag); w.Write7BitEncodedInt(c.Shard); w.Write(c.Month.Value); break;
            case RulesChanged c: w.Write(RulesTag); w.Write7BitEncodedInt(c.Shard); w.Write(c.RulesJson); break;
            case DecisionArrived d: w.Write(DecisionTag); WriteCard(w, d.ReceiptCard); WriteDecision(w, d.Decision); break;
            default: throw new ArgumentException($"no encoding for {record.GetType().Name}", nameof(record));
        }
    });

    /// <summary>Whether a log payload is a review decision or an eligibility row, read from its tag alone (a store's one-time scan of its log).</summary>
    public static bool IsDecisionOrEligibility(byte[] payload) => payload is [_, DecisionTag or EligibilityTag, ..];

    public static LogRecord DecodeRecord(byte[] bytes) => Read(bytes, static r => r.ReadByte() switch
    {
        ReceiptTag => (LogRecord)ReadReceiptArrived(r),
        EligibilityTag => new EligibilityArrived(ReadEligibility(r)),
        CheckupTag => new CheckupArrived(ReadCheckup(r)),
        ThirdPartyTag => new ThirdPartyReportArrived(ReadThirdParty(r)),
        JudoTag => new JudoClaimArrived(ReadJudo(r)),
        WithdrawalTag => new ReceiptWithdrawn(ReadCard(r), ReadKey(r)),
        CareTag => new CareClaimArrived(ReadCare(r)),
        CareWithdrawalTag => new CareClaimWithdrawn(ReadCard(r), r.ReadString(), r.ReadString(), r.ReadString(), new YearMonth(r.ReadInt32()), r.ReadString()),
        ClockTag => new ClockAdvanced(r.Read7BitEncodedInt(), new YearMonth(r.ReadInt32())),
        RulesTag => new RulesChanged(r.Read7BitEncodedInt(), r.ReadString()),
        DecisionTag => new DecisionArrived(ReadCard(r), ReadDecision(r)),
        var tag => throw new InvalidDataException($"unknown log record tag {tag}"),
    });

    /// <summary>
    /// A receipt record, with the receipt as a grain holds it when the log's bytes are that form already: this version's
    /// format and no source line (the grain keeps none), so the bytes after the record's tag are exactly
    /// <see cref="EncodeReceipt"/>'s after its version byte.
    /// </summary>
    private static ReceiptArrived ReadReceiptArrived(CodecReader r)
    {
        var receipt = ReadReceipt(r);
        if (_readingVersion != FormatVersion || receipt.SourceLine != 0) return new ReceiptArrived(receipt);
        var bytes = r.Source;
        var held = new byte[bytes.Length - 1];
        held[0] = FormatVersion;
        bytes.AsSpan(2).CopyTo(held.AsSpan(1));
        return new ReceiptArrived(receipt) { Held = held };
    }

    /// <summary>
    /// A receipt's log record as the silo appends it: without its RE line (the submission's errors keep the lines that
    /// matter), so the bytes after the record's tag are the receipt's held form and its grain keeps them as they are.
    /// </summary>
    public static byte[] EncodeArrival(Receipt receipt) => Write(receipt, static (w, receipt) =>
    {
        w.Write(ReceiptTag);
        WriteReceipt(w, receipt, sourceLine: 0);
    });

    /// <summary>One receipt on its own: the form a grain keeps it in memory and in its snapshot (without its RE line).</summary>
    public static byte[] EncodeReceipt(Receipt receipt) => Write(receipt, static (w, receipt) => WriteReceipt(w, receipt, sourceLine: 0));

    public static Receipt DecodeReceipt(byte[] bytes) => Read(bytes, ReadReceipt);

    public static byte[] Encode(HouseholdSnapshot s) => Write(s, static (w, s) =>
    {
        WriteCard(w, s.Card);
        WriteList(w, s.Receipts, (w, bytes) => { w.Write7BitEncodedInt(bytes.Length); w.Write(bytes); });
        WriteList(w, s.Findings, WriteFinding);
        WriteList(w, s.Eligibility, WriteEligibility);
        WriteList(w, s.Checkups, WriteCheckup);
        WriteList(w, s.ThirdPartyReports, WriteThirdParty);
        WriteList(w, s.JudoClaims, WriteJudo);
        WriteList(w, s.CareClaims, WriteCare);
        WriteList(w, s.HighCost, WriteHighCost);
        WriteList(w, s.Dues, (w, m) => w.Write(m.Value));
        WriteList(w, s.Decisions, WriteDecision);
        WriteList(w, s.Measures, (w, m) => { w.Write((byte)m.Measure); w.Write(m.Provider); w.Write(m.Month.Value); w.Write(m.Count); });
    });

    public static HouseholdSnapshot DecodeSnapshot(byte[] bytes) => Read(bytes, r =>
    {
        var card = ReadCard(r);
        var receipts = ReadList(r, r => r.ReadBytes(r.Read7BitEncodedInt()));
        var findings = ReadList(r, ReadFinding);
        var eligibility = ReadList(r, ReadEligibility);
        // Version 1 snapshots end here: households then held no check-ups, 傷病届 or 柔整 claims.
        if (_readingVersion < 2) return new HouseholdSnapshot(card, receipts, findings, eligibility, [], [], [], [], [], []);
        var checkups = ReadList(r, ReadCheckup);
        var reports = ReadList(r, ReadThirdParty);
        var judo = ReadList(r, ReadJudo);
        if (_readingVersion < 3) return new HouseholdSnapshot(card, receipts, findings, eligibility, checkups, reports, judo, [], [], []);
        var care = ReadList(r, ReadCare);
        var highCost = ReadList(r, ReadHighCost);
        var dues = ReadList(r, r => new YearMonth(r.ReadInt32()));
        var decisions = ReadList(r, ReadDecision);
        // Version 4 added the review's household measures.
        var measures = _readingVersion >= 4
            ? ReadList(r, r => new MeasureCount((Measure)r.ReadByte(), r.ReadString(), new YearMonth(r.ReadInt32()), r.ReadInt64()))
            : [];
        return new HouseholdSnapshot(card, receipts, findings, eligibility, checkups, reports, judo, care, highCost, dues)
            { Decisions = decisions, Measures = measures };
    });

    /// <summary>
    /// A shard's partials, whole and in canonical order, so that equal partials give equal bytes (tests compare recovered,
    /// replayed and reordered partials this way): KPI cells, the 高額療養費 rows and timers changed since the last
    /// checkpoint (set ones; removals are left out), the clock, the rules and the measures; not the findings.
    /// <see cref="DecodePartials"/> reads it back.
    /// </summary>
    public static byte[] Encode(ShardPartials p) => Write(p, static (w, p) => WritePartials(w, p, p.Kpis.Cells(), whole: true));

    /// <summary>
    /// A shard's partials as a checkpoint stores them: without the KPI and measure cells, whose changes the checkpoint adds
    /// to the store's totals (keyed by <see cref="EncodeKpiKey"/>, <see cref="EncodeMeasureKey"/>), nor the 高額療養費 rows
    /// and timers, which it stores one by one (<see cref="EncodeHighCost"/>, <see cref="EncodeTimer"/>), only those that
    /// changed. The bytes read back with <see cref="DecodePartials"/>.
    /// </summary>
    public static byte[] EncodeWithoutRows(ShardPartials p) => Write(p, static (w, p) => WritePartials(w, p, [], whole: false));

    /// <summary>One KPI cell, key and counters, as a checkpoint stored it beside the partials before the store kept totals.</summary>
    public static byte[] EncodeKpiCell(KpiKey key, KpiCounters counters) => Write(KeyValuePair.Create(key, counters), static (w, cell) => WriteCells(w, [cell]));

    public static KeyValuePair<KpiKey, KpiCounters> DecodeKpiCell(byte[] bytes) => Read(bytes, r => ReadCells(r).Single());

    private static void WritePartials(CodecWriter w, ShardPartials p, IReadOnlyList<KeyValuePair<KpiKey, KpiCounters>> cells, bool whole)
    {
        // Canonical order (not the dictionaries' insertion history), so equal partials encode to equal bytes. Sorted in
        // place in a pooled array: a shard has thousands of cells, and the sort's key arrays were large-object garbage,
        // each of which brought a full collection closer.
        var sorted = System.Buffers.ArrayPool<KeyValuePair<KpiKey, KpiCounters>>.Shared.Rent(cells.Count);
        try
        {
            for (var i = 0; i < cells.Count; i++) sorted[i] = cells[i];
            Array.Sort(sorted, 0, cells.Count, CellOrder.Instance);
            WriteCells(w, new ArraySegment<KeyValuePair<KpiKey, KpiCounters>>(sorted, 0, cells.Count));
        }
        finally
        {
            System.Buffers.ArrayPool<KeyValuePair<KpiKey, KpiCounters>>.Shared.Return(sorted);
        }
        // The 高額療養費 rows and the timers grow with the households: a checkpoint stores them like the findings, as rows
        // of their own written when they change, and leaves their lists here empty (a checkpoint before that kept them here).
        // The whole form holds the changes (for a shard never checkpointed, everything).
        if (!whole)
        {
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(0);
        }
        else
        {
            WriteList(w, p.ChangedHighCost.Values.OfType<HighCostRow>().OrderBy(h => h.Card.Key, StringComparer.Ordinal).ThenBy(h => h.Month).ToList(), WriteHighCost);
            WriteList(w, p.ChangedTimers.Where(t => t.Value).Select(t => t.Key).Order().ToList(), WriteTimer);
        }
        w.Write(p.AsOf.Value);
        WriteOpt(w, p.RulesJson);
        w.Write(p.RulesSeq);
        // The measure cells too are rows of their own since format 5 (EncodeMeasureCell); the whole form keeps them here.
        WriteList(w, !whole ? [] : p.Measures.Cells().OrderBy(c => c.Key.Measure).ThenBy(c => c.Key.Check, StringComparer.Ordinal)
            .ThenBy(c => c.Key.InsurerNo, StringComparer.Ordinal).ThenBy(c => c.Key.ProviderCode, StringComparer.Ordinal).ThenBy(c => c.Key.Month)
            .ThenBy(c => c.Key.Billed).ToList(), WriteMeasureCell);
    }

    /// <summary>A KPI cell's key as the store keys the cell's totals (equal keys give equal bytes).</summary>
    public static byte[] EncodeKpiKey(KpiKey key) => Write(key, static (w, key) =>
    {
        w.Write(key.ServiceMonth.Value); w.Write(key.BillingMonth.Value); w.Write(key.InsurerNo); w.Write(key.ProviderCode);
    });

    public static KpiKey DecodeKpiKey(byte[] bytes) =>
        Read(bytes, r => new KpiKey(new YearMonth(r.ReadInt32()), new YearMonth(r.ReadInt32()), r.ReadString(), r.ReadString()));

    /// <summary>A measure cell's key as the store keys the cell's totals.</summary>
    public static byte[] EncodeMeasureKey(MeasureKey key) => Write(key, static (w, key) =>
    {
        w.Write((byte)key.Measure); w.Write(key.Check); w.Write(key.InsurerNo); w.Write(key.ProviderCode); w.Write(key.Month.Value); w.Write(key.Billed.Value);
    });

    public static MeasureKey DecodeMeasureKey(byte[] bytes) => Read(bytes, r =>
        new MeasureKey((Measure)r.ReadByte(), Check: r.ReadString(), InsurerNo: r.ReadString(), ProviderCode: r.ReadString(),
            Month: new YearMonth(r.ReadInt32()), Billed: new YearMonth(r.ReadInt32())));

    /// <summary>One measure cell, key and value, as a checkpoint stored it beside the partials before the store kept totals.</summary>
    public static byte[] EncodeMeasureCell(MeasureKey key, MeasureValue value) => Write(KeyValuePair.Create(key, value), WriteMeasureCell);

    public static KeyValuePair<MeasureKey, MeasureValue> DecodeMeasureCell(byte[] bytes) => Read(bytes, ReadMeasureCell);

    private static void WriteMeasureCell(CodecWriter w, KeyValuePair<MeasureKey, MeasureValue> c)
    {
        w.Write((byte)c.Key.Measure); w.Write(c.Key.InsurerNo); w.Write(c.Key.ProviderCode); w.Write(c.Key.Month.Value); w.Write(c.Value.Count);
        w.Write(c.Value.Amount); w.Write(c.Key.Check); w.Write(c.Key.Billed.Value);
    }

    private static KeyValuePair<MeasureKey, MeasureValue> ReadMeasureCell(CodecReader r)
    {
        var key = new MeasureKey((Measure)r.ReadByte(), r.ReadString(), r.ReadString(), new YearMonth(r.ReadInt32()));
        var count = r.ReadInt64();
        // Version 5 added the amount, the check (a finding measure's check or kind of person) and the findings' 請求年月.
        if (_readingVersion < 5) return KeyValuePair.Create(key, new MeasureValue(count));
        var amount = r.ReadInt64();
        return KeyValuePair.Create(key with { Check = r.ReadString(), Billed = new YearMonth(r.ReadInt32()) }, new MeasureValue(count, amount));
    }

    /// <summary>One 高額療養費 row, as a checkpoint stores it beside the partials.</summary>
    public static byte[] EncodeHighCost(HighCostRow row) => Write(row, WriteHighCost);

    public static HighCostRow DecodeHighCost(byte[] bytes) => Read(bytes, ReadHighCost);

    /// <summary>One durable timer, as a checkpoint stores it beside the partials.</summary>
    public static byte[] EncodeTimer((int Due, string Card) timer) => Write(timer, WriteTimer);

    public static (int Due, string Card) DecodeTimer(byte[] bytes) => Read(bytes, ReadTimer);

    private static void WriteTimer(CodecWriter w, (int Due, string Card) timer)
    {
        w.Write(timer.Due);
        w.Write(timer.Card);
    }

    private static (int Due, string Card) ReadTimer(CodecReader r) => (r.ReadInt32(), r.ReadString());

    /// <summary>One finding, as a checkpoint stores it beside the partials.</summary>
    public static byte[] EncodeFinding(Finding finding) => Write(finding, WriteFinding);

    public static Finding DecodeFinding(byte[] bytes) => Read(bytes, ReadFinding);

    public static ShardPartials DecodePartials(byte[] bytes) => Read(bytes, r =>
    {
        var cells = ReadCells(r);
        // Before version 5 the findings' and 高額療養費's totals were not measures (nor had the stored rows query columns).
        var partials = new ShardPartials { Kpis = KpiRollup.FromCells(cells), StoredBeforeTotals = _readingVersion < 5 };
        // Before version 3 a checkpoint's partials were the KPI cells alone.
        if (_readingVersion < 3) return partials;
        // Rows an earlier checkpoint kept inside the partials are marked changed: the next checkpoint moves them to their rows.
        foreach (var h in ReadList(r, ReadHighCost)) partials.SetHighCost(h);
        foreach (var (due, card) in ReadList(r, ReadTimer)) partials.AddTimer(due, card);
        partials.AsOf = new YearMonth(r.ReadInt32());
        partials.RulesJson = ReadOptString(r);
        // Version 5 added the rules' log position.
        if (_readingVersion >= 5) partials.RulesSeq = r.ReadInt64();
        if (_readingVersion < 4) return partials;
        // Cells an earlier checkpoint kept here are marked changed, like its rows: the next checkpoint moves them to their rows.
        foreach (var (key, value) in ReadList(r, ReadMeasureCell)) partials.Measures.Add(key, value);
        return partials;
    });

    private static void WriteCells(CodecWriter w, IReadOnlyList<KeyValuePair<KpiKey, KpiCounters>> cells) => WriteList(w, cells, (w, c) =>
    {
        w.Write(c.Key.ServiceMonth.Value); w.Write(c.Key.BillingMonth.Value); w.Write(c.Key.InsurerNo); w.Write(c.Key.ProviderCode);
        w.Write(c.Value.Receipts); w.Write(c.Value.Days); w.Write(c.Value.Points); w.Write(c.Value.CostYen);
        w.Write(c.Value.Findings); w.Write(c.Value.FindingYen);
        w.Write(c.Value.Assessed); w.Write(c.Value.AssessedPoints); w.Write(c.Value.Returned);
        w.Write(c.Value.VisitReceipts); w.Write(c.Value.GenericQty); w.Write(c.Value.GenericBaseQty);
        w.Write(c.Value.JudoClaims); w.Write(c.Value.JudoDays); w.Write(c.Value.JudoCostYen);
        w.Write(c.Value.JudoParts3); w.Write(c.Value.JudoDays15); w.Write(c.Value.JudoParts3Days15);
    });

    /// <summary>The canonical order of KPI cells: service month, billing month, insurer, provider.</summary>
    private sealed class CellOrder : IComparer<KeyValuePair<KpiKey, KpiCounters>>
    {
        public static readonly CellOrder Instance = new();

        public int Compare(KeyValuePair<KpiKey, KpiCounters> x, KeyValuePair<KpiKey, KpiCounters> y)
        {
            int c;
            if ((c = x.Key.ServiceMonth.CompareTo(y.Key.ServiceMonth)) != 0) return c;
            if ((c = x.Key.BillingMonth.CompareTo(y.Key.BillingMonth)) != 0) return c;
            if ((c = string.CompareOrdinal(x.Key.InsurerNo, y.Key.InsurerNo)) != 0) return c;
            return string.CompareOrdinal(x.Key.ProviderCode, y.Key.ProviderCode);
        }
    }

    private static List<KeyValuePair<KpiKey, KpiCounters>> ReadCells(CodecReader r) => ReadList(r, r =>
        new KeyValuePair<KpiKey, KpiCounters>(
            new KpiKey(new YearMonth(r.ReadInt32()), new YearMonth(r.ReadInt32()), r.ReadString(), r.ReadString()),
            new KpiCounters(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64())
            // Version 3 added the decision counters.
            with { Assessed = _readingVersion >= 3 ? r.ReadInt64() : 0, AssessedPoints = _readingVersion >= 3 ? r.ReadInt64() : 0, Returned = _readingVersion >= 3 ? r.ReadInt64() : 0 }
            // Version 4 added the rate counters (受診率's 件数, 後発 quantities, 柔整).
            with { VisitReceipts = V4(r), GenericQty = V4(r), GenericBaseQty = V4(r), JudoClaims = V4(r), JudoDays = V4(r), JudoCostYen = V4(r),
                JudoParts3 = V4(r), JudoDays15 = V4(r), JudoParts3Days15 = V4(r) }));

    private static long V4(CodecReader r) => _readingVersion >= 4 ? r.ReadInt64() : 0;

    // One writer per thread, reused by every encode on it: a receipt is encoded on every submission and again in its
    // grain, and a fresh buffer each time was a large share of ingest's garbage.
    [ThreadStatic] private static CodecWriter? _writer;

    // The value to encode is passed along (the bodies are static) instead of captured: a closure and its delegate on every
    // encode, of every receipt at its submission, were a share of ingest's garbage.
    private static byte[] Write<T>(T value, Action<CodecWriter, T> body)
    {
        var w = _writer;
        // Taken off the thread while in use, so an encode nested in another (none today) gets a writer of its own.
        _writer = null;
        w ??= new CodecWriter();
        w.Reset();
        w.Write(FormatVersion);
        body(w, value);
        var bytes = w.ToArray();
        // A shard's partials (a few MB at most for a prefecture's cells) keep their buffer, so a checkpoint does not
        // grow a new one through the large-object heap.
        if (w.WorthKeeping) _writer = w;
        return bytes;
    }

    // The version of the payload being read, for the fields later versions added (reads are single-threaded per call).
    [ThreadStatic] private static byte _readingVersion;

    private static T Read<T>(byte[] bytes, Func<CodecReader, T> body)
    {
        var r = new CodecReader(bytes);
        var version = r.ReadByte();
        _readingVersion = version;
        if (version is < 1 or > FormatVersion) throw new InvalidDataException($"payload format {version}; this build reads 1 to {FormatVersion}");
        return body(r);
    }

    private static void WriteList<T>(CodecWriter w, IReadOnlyList<T> items, Action<CodecWriter, T> write)
    {
        w.Write7BitEncodedInt(items.Count);
        // By index: a foreach over the interface boxes the list's enumerator, once per list of every receipt encoded.
        for (var i = 0; i < items.Count; i++) write(w, items[i]);
    }

    private static List<T> ReadList<T>(CodecReader r, Func<CodecReader, T> read)
    {
        var n = r.Read7BitEncodedInt();
        var list = new List<T>(n);
        for (var i = 0; i < n; i++) list.Add(read(r));
        return list;
    }

    private static ImmutableArray<T> ReadArray<T>(CodecReader r, Func<CodecReader, T> read)
    {
        var items = new T[r.Read7BitEncodedInt()];
        for (var i = 0; i < items.Length; i++) items[i] = read(r);
        // The array is not kept anywhere else, so it can become the immutable array without a builder or a copy.
        return ImmutableCollectionsMarshal.AsImmutableArray(items);
    }

    private static void WriteOpt(CodecWriter w, string? s) { w.Write(s is not null); if (s is not null) w.Write(s); }
    private static string? ReadOptString(CodecReader r) => r.ReadBoolean() ? r.ReadString() : null;
    private static void WriteOpt(CodecWriter w, int? v) { w.Write(v.HasValue); if (v.HasValue) w.Write7BitEncodedInt(v.Value); }
    private static int? ReadOptInt(CodecReader r) => r.ReadBoolean() ? r.Read7BitEncodedInt() : null;

    private static void WriteCard(CodecWriter w, HouseholdCard c) { w.Write(c.InsurerNo); w.Write(c.Symbol); w.Write(c.Number); }
    private static HouseholdCard ReadCard(CodecReader r) => new(r.ReadCode(), r.ReadCode(), r.ReadString());

    private static void WriteKey(CodecWriter w, ReceiptKey k) { w.Write(k.ProviderCode); w.Write(k.BillingMonth.Value); w.Write7BitEncodedInt(k.ReceiptNo); }
    private static ReceiptKey ReadKey(CodecReader r) => new(r.ReadCode(), new YearMonth(r.ReadInt32()), r.Read7BitEncodedInt());

    private static void WriteReceipt(CodecWriter w, Receipt x, int sourceLine)
    {
        WriteKey(w, x.Key);
        w.Write((byte)x.Kind); w.Write(x.ReceiptType); w.Write(x.ServiceMonth.Value); WriteCard(w, x.Card); WriteOpt(w, x.Branch);
        w.Write(x.Sex); w.Write(x.BirthDate); WriteOpt(w, x.KanaName); WriteOpt(w, x.BenefitRatio); WriteOpt(w, x.AdmissionDate);
        WriteOpt(w, x.SpecialNotes); w.Write7BitEncodedInt(x.Days); w.Write7BitEncodedInt(x.DeclaredPoints); w.Write7BitEncodedInt64(x.ComputedPoints);
        WriteOpt(w, x.CopayYen);
        WriteList(w, x.PublicExpenses, (w, p) => { w.Write(p.PayerNo); WriteOpt(w, p.RecipientNo); WriteOpt(w, p.Days); WriteOpt(w, p.Points); WriteOpt(w, p.PaidYen); });
        WriteList(w, x.Diagnoses, (w, d) => { w.Write(d.Code); WriteOpt(w, d.StartDate); w.Write(d.Outcome); w.Write(d.IsPrimary); });
        WriteList(w, x.Lines, (w, l) =>
        {
            w.Write((byte)l.Kind); WriteOpt(w, l.Division); w.Write(l.Code); w.Write(l.Quantity.HasValue);
            if (l.Quantity.HasValue) w.Write(l.Quantity.Value);
            WriteOpt(w, l.Points); w.Write7BitEncodedInt(l.Times); w.Write(l.DayMask);
        });
        w.Write7BitEncodedInt(sourceLine);
        WriteOpt(w, x.PrescriberCode);
    }

    private static Receipt ReadReceipt(CodecReader r) => new(
        ReadKey(r), (ClaimKind)r.ReadByte(), r.ReadString(), new YearMonth(r.ReadInt32()), ReadCard(r), ReadOptString(r),
        r.ReadByte(), r.ReadInt32(), ReadOptString(r), ReadOptInt(r), ReadOptInt(r),
        ReadOptString(r), r.Read7BitEncodedInt(), r.Read7BitEncodedInt(), r.Read7BitEncodedInt64(),
        ReadOptInt(r),
        ReadArray(r, r => new PublicExpense(r.ReadString(), ReadOptString(r), ReadOptInt(r), ReadOptInt(r), ReadOptInt(r))),
        ReadArray(r, r => new Diagnosis(r.ReadString(), ReadOptInt(r), r.ReadByte(), r.ReadBoolean())),
        ReadArray(r, r => new ServiceLine((LineKind)r.ReadByte(), ReadOptString(r), r.ReadString(), r.ReadBoolean() ? r.ReadDecimal() : null,
            ReadOptInt(r), r.Read7BitEncodedInt(), r.ReadUInt32())),
        r.Read7BitEncodedInt(),
        _readingVersion >= 2 ? ReadOptString(r) : null);

    private static void WriteEligibility(CodecWriter w, EligibilityEvent e)
    {
        w.Write((byte)e.Kind); w.Write(e.PersonId); w.Write(e.HouseholdId); WriteCard(w, e.Card); w.Write(e.Branch); w.Write(e.BirthDate);
        w.Write(e.Sex); w.Write(e.ValidFrom); WriteOpt(w, e.ValidTo); w.Write7BitEncodedInt(e.BurdenPct); w.Write(e.IncomeClass);
        w.Write((byte)e.System); w.Write7BitEncodedInt(e.SourceLine);
    }

    private static EligibilityEvent ReadEligibility(CodecReader r) => new(
        (EligibilityEventKind)r.ReadByte(), r.ReadString(), r.ReadString(), ReadCard(r), r.ReadString(), r.ReadInt32(),
        r.ReadByte(), r.ReadInt32(), ReadOptInt(r), r.Read7BitEncodedInt(), r.ReadString(), (InsuranceSystem)r.ReadByte(), r.Read7BitEncodedInt());

    private static void WriteFinding(CodecWriter w, Finding f)
    {
        w.Write(f.Id); w.Write(f.CheckId); w.Write7BitEncodedInt(f.RuleVersion); WriteCard(w, f.Card); w.Write(f.PersonKey);
        w.Write(f.ProviderCode); w.Write(f.ServiceMonth.Value); WriteList(w, f.Receipts, WriteKey); w.Write(f.YenAtStake);
        w.Write((byte)f.State); w.Write(f.Detail);
    }

    private static Finding ReadFinding(CodecReader r) => new(
        r.ReadString(), r.ReadString(), r.Read7BitEncodedInt(), ReadCard(r), r.ReadString(), r.ReadString(), new YearMonth(r.ReadInt32()),
        ReadArray(r, ReadKey), r.ReadInt64(), (FindingState)r.ReadByte(), r.ReadString());

    private static void WriteOpt(CodecWriter w, decimal? v) { w.Write(v.HasValue); if (v.HasValue) w.Write(v.Value); }
    private static decimal? ReadOptDecimal(CodecReader r) => r.ReadBoolean() ? r.ReadDecimal() : null;

    private static void WriteCheckup(CodecWriter w, Checkup c)
    {
        WriteCard(w, c.Card); w.Write(c.Branch); w.Write(c.ExamDate); WriteOpt(w, c.HbA1c); WriteOpt(w, c.FastingGlucose); WriteOpt(w, c.Sbp);
        WriteOpt(w, c.Dbp); WriteOpt(w, c.Egfr); WriteOpt(w, c.Ldl); WriteOpt(w, c.Bmi); WriteOpt(w, c.Waist); w.Write7BitEncodedInt(c.SourceLine);
    }

    private static Checkup ReadCheckup(CodecReader r) => new(
        ReadCard(r), r.ReadString(), r.ReadInt32(), ReadOptDecimal(r), ReadOptInt(r), ReadOptInt(r),
        ReadOptInt(r), ReadOptDecimal(r), ReadOptInt(r), ReadOptDecimal(r), ReadOptDecimal(r), r.Read7BitEncodedInt());

    private static void WriteThirdParty(CodecWriter w, ThirdPartyReport t)
    {
        WriteCard(w, t.Card); w.Write(t.Branch); w.Write(t.ReportDate); w.Write(t.Cause); w.Write7BitEncodedInt(t.SourceLine);
    }

    private static ThirdPartyReport ReadThirdParty(CodecReader r) => new(ReadCard(r), r.ReadString(), r.ReadInt32(), r.ReadString(), r.Read7BitEncodedInt());

    private static void WriteJudo(CodecWriter w, JudoClaim j)
    {
        w.Write(j.ProviderCode); w.Write(j.BillingMonth.Value); w.Write7BitEncodedInt(j.ClaimNo); WriteCard(w, j.Card); w.Write(j.Branch);
        w.Write(j.BirthDate); w.Write(j.Sex); w.Write(j.ServiceMonth.Value); w.Write(j.InjuryDate); w.Write(j.InjuryCode);
        w.Write7BitEncodedInt(j.Parts); w.Write(j.DayMask); w.Write7BitEncodedInt(j.CostYen); w.Write7BitEncodedInt(j.CopayYen);
        w.Write7BitEncodedInt(j.SourceLine);
    }

    private static JudoClaim ReadJudo(CodecReader r) => new(
        r.ReadString(), new YearMonth(r.ReadInt32()), r.Read7BitEncodedInt(), ReadCard(r), r.ReadString(), r.ReadInt32(), r.ReadByte(),
        new YearMonth(r.ReadInt32()), r.ReadInt32(), r.ReadString(), r.Read7BitEncodedInt(), r.ReadUInt32(), r.Read7BitEncodedInt(),
        r.Read7BitEncodedInt(), r.Read7BitEncodedInt());

    private static void WriteCare(CodecWriter w, CareClaimHeld h)
    {
        WriteCard(w, h.Card); w.Write(h.Branch);
        var c = h.Claim;
        w.Write(c.InsurerNo); w.Write(c.InsuredNo); w.Write(c.ProviderNo); w.Write(c.ServiceMonth.Value); w.Write(c.ServiceType);
        w.Write(c.DayMask); w.Write7BitEncodedInt(c.Units); w.Write(c.UnitPriceYen); w.Write7BitEncodedInt(c.BenefitPct);
        w.Write7BitEncodedInt(c.CopayYen); w.Write7BitEncodedInt(c.SourceLine);
    }

    private static CareClaimHeld ReadCare(CodecReader r) => new(ReadCard(r), r.ReadString(), new CareClaim(
        r.ReadString(), r.ReadString(), r.ReadString(), new YearMonth(r.ReadInt32()), r.ReadString(), r.ReadUInt32(),
        r.Read7BitEncodedInt(), r.ReadDecimal(), r.Read7BitEncodedInt(), r.Read7BitEncodedInt(), r.Read7BitEncodedInt()));

    private static void WriteHighCost(CodecWriter w, HighCostRow h)
    {
        WriteCard(w, h.Card); w.Write(h.HouseholdId); w.Write(h.Month.Value); w.Write7BitEncodedInt(h.Persons);
        w.Write(h.CostYen); w.Write(h.CopayYen); w.Write(h.CapYen); w.Write(h.PayableYen); w.Write(h.Tasuu);
    }

    private static HighCostRow ReadHighCost(CodecReader r) => new(
        ReadCard(r), r.ReadString(), new YearMonth(r.ReadInt32()), r.Read7BitEncodedInt(),
        r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadBoolean());

    private static void WriteDecision(CodecWriter w, ReviewDecision d)
    {
        WriteKey(w, d.Receipt); w.Write((byte)d.Decision); w.Write7BitEncodedInt(d.PointsCut); w.Write7BitEncodedInt(d.SourceLine);
    }

    private static ReviewDecision ReadDecision(CodecReader r) =>
        new(ReadKey(r), (DecisionKind)r.ReadByte(), r.Read7BitEncodedInt(), r.Read7BitEncodedInt());
}
