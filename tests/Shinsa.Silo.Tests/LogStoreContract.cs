using System.Text;
using Shinsa.Silo.Storage;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>
/// What every <see cref="ILogStore"/> must do. The SQLite store runs it here; the PostgreSQL store runs the same
/// suite by deriving from this class.
/// </summary>
public abstract class LogStoreContract : IDisposable
{
    protected abstract ILogStore CreateStore();

    /// <summary>A second store over the same data (a restarted silo).</summary>
    protected abstract ILogStore ReopenStore();

    public abstract void Dispose();

    protected static SubmissionAppend Submission(string id, params (int Shard, string Text)[] entries) =>
        new(new SubmissionRow(id, "uke", $"{id}.UKE", entries.Length, entries.Length, 0, 10 * entries.Length, ["w"],
                [new SubmissionError(3, "bad")], new Dictionary<int, long>()),
            entries.Select(e => new EntryAppend(e.Shard, Encoding.UTF8.GetBytes(e.Text))).ToList());

    /// <summary>A checkpoint of <paramref name="shard"/> at <paramref name="seq"/> with these keyed rows (an empty body deletes its row).</summary>
    protected static CheckpointWrite Checkpoint(int shard, long seq, byte[] partials, ShardRow[] grains,
        ShardRow[]? findings = null, ShardRow[]? highCost = null, ShardRow[]? timers = null) =>
        new(shard, seq, partials, grains, findings ?? [], highCost ?? [], timers ?? []);

    /// <summary>A cell's change or total as a store reads and writes it: a one-byte key and its values.</summary>
    protected static CellDelta Cell(byte key, params long[] values) => new([key], values);

    /// <summary>Totals as comparable text: "key: v1 v2 …", in key order.</summary>
    protected static List<string> Totals(IEnumerable<CellDelta> cells) =>
        cells.OrderBy(c => c.Key[0]).Select(c => $"{c.Key[0]}: {string.Join(' ', c.Values)}").ToList();

    protected static List<string> Texts(IEnumerable<StoredEntry> entries) => entries.Select(e => Encoding.UTF8.GetString(e.Payload)).ToList();

    [Fact]
    public void Entries_are_read_back_per_shard_in_log_order()
    {
        using var store = CreateStore();
        store.Initialize(4);
        var outcomes = store.Append([Submission("a", (0, "a0"), (1, "a1"), (0, "a2")), Submission("b", (1, "b0"), (0, "b1"))]);

        Assert.Equal(["a0", "a2", "b1"], Texts(store.ReadShard(0, 0)));
        Assert.Equal(["a1", "b0"], Texts(store.ReadShard(1, 0)));
        Assert.Empty(store.ReadShard(2, 0));
        // Positions are consecutive per submission, in entry order.
        Assert.Equal(outcomes[0].FirstSeq + 3, outcomes[1].FirstSeq);
        var shard0 = store.ReadShard(0, 0).ToList();
        Assert.Equal(["a2", "b1"], Texts(store.ReadShard(0, shard0[0].Seq)));
    }

    [Fact]
    public void Several_shards_tails_are_read_together_in_log_order_after_their_own_positions_and_the_cover_of_the_last_read()
    {
        using var store = CreateStore();
        store.Initialize(4);
        store.Append([Submission("a", (0, "a0"), (1, "a1"), (0, "a2"), (2, "a3")), Submission("b", (1, "b0"), (0, "b1"), (0, "b2"))]);
        var seq = new[] { 0, 1, 2 }.SelectMany(shard => store.ReadShard(shard, 0)).ToDictionary(e => Encoding.UTF8.GetString(e.Payload), e => e.Seq);

        // Shard 0 has applied a0; shard 3 has nothing. In log order, at most 3: the read covers up to its last entry.
        var first = store.ReadTails([(1, 0), (3, 0), (0, seq["a0"])], fromSeq: 0, max: 3);
        Assert.Equal(["a1", "a2", "b0"], Texts(first.Entries));
        Assert.Equal([1, 0, 1], first.Entries.Select(e => e.Shard));
        Assert.Equal(seq["b0"], first.CoveredThrough);

        // From that cover on: the rest, and a cover that reaches the last entry of the log.
        var second = store.ReadTails([(1, seq["b0"]), (3, 0), (0, seq["a2"])], first.CoveredThrough, max: 3);
        Assert.Equal(["b1", "b2"], Texts(second.Entries));
        Assert.Equal(seq["b2"], second.CoveredThrough);

        // Entries up to fromSeq are left out even when the shard's own position is older.
        Assert.Equal(["b1", "b2"], Texts(store.ReadTails([(0, 0)], fromSeq: seq["a3"], max: 10).Entries));
        var none = store.ReadTails([(2, seq["a3"])], second.CoveredThrough, max: 10);
        Assert.Empty(none.Entries);
        Assert.Equal(seq["b2"], none.CoveredThrough);
        Assert.Empty(store.ReadTails([], 0, max: 10).Entries);
    }

    [Fact]
    public void The_stored_shard_count_is_unknown_before_the_first_initialisation_and_kept_after_it()
    {
        using (var store = CreateStore())
        {
            Assert.Null(store.StoredShardCount());
            store.Initialize(6);
            Assert.Equal(6, store.StoredShardCount());
        }
        using var reopened = ReopenStore();
        Assert.Equal(6, reopened.StoredShardCount());
        Assert.Throws<InvalidOperationException>(() => reopened.Initialize(4));
        Assert.Equal(6, reopened.StoredShardCount());
    }

    [Fact]
    public void Checkpoints_of_any_shard_add_their_cells_changes_to_the_totals_value_by_value()
    {
        using (var store = CreateStore())
        {
            store.Initialize(4);
            store.WriteCheckpoint(Checkpoint(1, 1, [1], []) with { KpiCells = [Cell(1, 1, 10, 100), Cell(2, 5, 0, 0)], MeasureCells = [Cell(7, 1, 500)] });
            store.WriteCheckpoint(Checkpoint(2, 2, [1], []) with { KpiCells = [Cell(1, 2, 20, 200)], MeasureCells = [Cell(7, 1, 250), Cell(8, 3, 0)] });
            // A take-back (negative) brings a cell to zero: its row stays, as zeros.
            store.WriteCheckpoint(Checkpoint(1, 3, [1], []) with { KpiCells = [Cell(2, -5, 0, 0), Cell(1, 0, 0, 1)], MeasureCells = [Cell(8, -1, 0)] });
        }
        using var reopened = ReopenStore();
        reopened.Initialize(4);
        // Hand-added: cell 1 = (1+2+0, 10+20+0, 100+200+1); cell 2 = 5−5; measure 7 = (1+1, 500+250); measure 8 = 3−1.
        Assert.Equal(["1: 3 30 301", "2: 0 0 0"], Totals(reopened.LoadKpiTotals()));
        Assert.Equal(["7: 2 750", "8: 2 0"], Totals(reopened.LoadMeasureTotals()));
    }

    [Fact]
    public void A_submission_appended_twice_is_stored_once_and_reported_as_duplicate()
    {
        using var store = CreateStore();
        store.Initialize(4);
        var first = store.Append([Submission("a", (0, "a0"))]);
        var again = store.Append([Submission("a", (0, "a0")), Submission("a", (0, "a0")), Submission("b", (0, "b0"))]);

        Assert.False(first[0].Duplicate);
        Assert.True(again[0].Duplicate);
        Assert.True(again[1].Duplicate);
        Assert.False(again[2].Duplicate);
        Assert.Equal(["a0", "b0"], Texts(store.ReadShard(0, 0)));
    }

    [Fact]
    public void A_submission_row_keeps_its_counts_messages_and_last_position_per_shard()
    {
        using var store = CreateStore();
        store.Initialize(4);
        var outcome = store.Append([Submission("a", (2, "x"), (3, "y"), (2, "z"))])[0];

        var row = store.FindSubmission("a")!;
        Assert.Equal((3, 3, 0, 30L), (row.Submitted, row.Accepted, row.Rejected, row.Points));
        Assert.Equal(["w"], row.Warnings);
        Assert.Equal(new SubmissionError(3, "bad"), Assert.Single(row.Errors));
        Assert.Equal(outcome.FirstSeq + 2, row.LastSeqByShard[2]);
        Assert.Equal(outcome.FirstSeq + 1, row.LastSeqByShard[3]);
        Assert.Null(store.FindSubmission("nope"));
    }

    [Fact]
    public void Checkpoints_and_grains_survive_a_reopen_and_positions_continue()
    {
        using (var store = CreateStore())
        {
            store.Initialize(4);
            store.Append([Submission("a", (1, "a0"))]);
            store.WriteCheckpoint(Checkpoint(1, 1, [1, 2, 3], [new("g1", [9]), new("g2", [8])]));
            store.WriteCheckpoint(Checkpoint(1, 1, [4], [new("g1", [7])]));
        }
        using var reopened = ReopenStore();
        reopened.Initialize(4);
        var checkpoint = reopened.LoadCheckpoint(1)!;
        Assert.Equal(1, checkpoint.AppliedSeq);
        Assert.Equal([4], checkpoint.Partials);
        Assert.Equal([7], reopened.LoadGrain(1, "g1"));
        Assert.Equal([8], reopened.LoadGrain(1, "g2"));
        Assert.Null(reopened.LoadGrain(2, "g1"));
        Assert.Null(reopened.LoadCheckpoint(0));
        var next = reopened.Append([Submission("b", (1, "b0"))])[0];
        Assert.True(next.FirstSeq > 1);
        Assert.Equal(["b0"], Texts(reopened.ReadShard(1, 1)));
    }

    [Fact]
    public void Grains_load_in_a_batch_as_they_do_one_by_one()
    {
        using var store = CreateStore();
        store.Initialize(4);
        store.WriteCheckpoint(Checkpoint(1, 0, [1], [new("g1", [1]), new("g2", [2])]));
        store.WriteCheckpoint(Checkpoint(3, 0, [1], [new("g1", [3])]));
        var found = store.LoadGrains([(1, "g1"), (1, "g2"), (1, "g3"), (3, "g1"), (2, "g1")]);
        Assert.Equal([(1, "g1"), (1, "g2"), (3, "g1")], found.Keys.Order());
        Assert.Equal([1], found[(1, "g1")]);
        Assert.Equal([2], found[(1, "g2")]);
        Assert.Equal([3], found[(3, "g1")]);
        Assert.Empty(store.LoadGrains([(2, "g1")]));
        Assert.Empty(store.LoadGrains([]));
    }

    [Fact]
    public void A_store_refuses_another_shard_count()
    {
        using (var store = CreateStore()) store.Initialize(4);
        using var reopened = ReopenStore();
        var error = Assert.Throws<InvalidOperationException>(() => reopened.Initialize(8));
        Assert.Contains("4", error.Message);
    }

    [Fact]
    public void The_card_index_keeps_the_latest_holder()
    {
        using var store = CreateStore();
        store.Initialize(4);
        store.Append([Submission("e1") with { CardIndex = [new("040014", "12", "345", "01", "P1", "H1")] }]);
        store.Append([Submission("e2") with { CardIndex = [new("040014", "12", "345", "01", "P1", "H2")] }]);
        Assert.Equal("H2", store.FindCard("040014", "12", "345", "01")!.HouseholdId);
        Assert.Null(store.FindCard("040014", "12", "345", "02"));
    }

    [Fact]
    public void Findings_high_cost_rows_and_timers_written_with_a_checkpoint_are_read_back_per_shard_and_replaced_by_key()
    {
        using (var store = CreateStore())
        {
            store.Initialize(4);
            store.WriteCheckpoint(Checkpoint(1, 1, [1], [], [new("f1", [1], "A"), new("f2", [2], "A")],
                [new("h1", [21], "A"), new("h2", [22], "A")], [new("t1", [31]), new("t2", [32])]));
            store.WriteCheckpoint(Checkpoint(2, 1, [1], [], [new("f1", [9], "A")], [new("h1", [29], "A")], [new("t1", [39])]));
            // Only the changed rows are written again; the others keep their last value; an empty body deletes.
            store.WriteCheckpoint(Checkpoint(1, 2, [2], [], [new("f2", [3], "A")], [new("h1", []), new("h2", [23], "A")], [new("t2", [])]));
        }
        using var reopened = ReopenStore();
        reopened.Initialize(4);
        Assert.Equal([[1], [3]], reopened.LoadFindings(1));
        Assert.Equal([[9]], reopened.LoadFindings(2));
        Assert.Empty(reopened.LoadFindings(3));
        Assert.Equal([[23]], reopened.LoadHighCost(1));
        Assert.Equal([[29]], reopened.LoadHighCost(2));
        Assert.Empty(reopened.LoadHighCost(3));
        Assert.Equal([[31]], reopened.LoadTimers(1));
        Assert.Equal([[39]], reopened.LoadTimers(2));
        Assert.Empty(reopened.LoadTimers(3));
    }

    [Fact]
    public void Findings_and_high_cost_rows_are_found_by_scope_across_shards_with_the_position_of_the_checkpoint_that_wrote_them()
    {
        using var store = CreateStore();
        store.Initialize(4);
        store.WriteCheckpoint(Checkpoint(1, 10, [1], [], [new("f1", [1], "I1/202404"), new("f2", [2], "I1/202405")], highCost: [new("h1", [21], "I1/202404")]));
        store.WriteCheckpoint(Checkpoint(2, 20, [1], [], [new("f3", [3], "I1/202404"), new("f4", [4], "I2/202404")], highCost: [new("h2", [22], "I2/202404")]));
        static IEnumerable<(long, int)> Read(IEnumerable<ScopedRow> rows) => rows.Select(r => (r.CheckpointSeq, (int)r.Body.Single())).Order();
        Assert.Equal([(10L, 1), (20L, 3)], Read(store.FindingsInScope("I1/202404")));
        Assert.Equal([(10L, 2)], Read(store.FindingsInScope("I1/202405")));
        Assert.Equal([(20L, 22)], Read(store.HighCostInScope("I2/202404")));
        Assert.Empty(store.FindingsInScope("I3/202404"));

        // A row rewritten moves to its new scope and position; a deleted row leaves its scope.
        store.WriteCheckpoint(Checkpoint(1, 30, [1], [], [new("f1", [5], "I1/202405"), new("f2", [])], highCost: [new("h1", [])]));
        Assert.Equal([(20L, 3)], Read(store.FindingsInScope("I1/202404")));
        Assert.Equal([(30L, 5)], Read(store.FindingsInScope("I1/202405")));
        Assert.Empty(store.HighCostInScope("I1/202404"));
    }

    [Fact]
    public void A_shards_timers_before_a_key_bound_are_those_due_by_the_month_before_it_in_byte_order()
    {
        using var store = CreateStore();
        store.Initialize(4);
        // Keys as the shard makes them: due month (yyyyMM), '/', household key.
        store.WriteCheckpoint(Checkpoint(1, 1, [1], [], timers:
            [new("202410/040014:12:345", [1]), new("202411/040014:12:345", [2]), new("202411/06:A:1", [3]), new("202412/040014:12:345", [4])]));
        store.WriteCheckpoint(Checkpoint(2, 1, [1], [], timers: [new("202401/x", [9])]));
        Assert.Equal([[1], [2], [3]], store.TimersBefore(1, "202412"));
        Assert.Equal([[1]], store.TimersBefore(1, "202411"));
        Assert.Empty(store.TimersBefore(1, "202410"));
        Assert.Equal([[1], [2], [3], [4]], store.TimersBefore(1, "202501"));
    }

    // The waiting set: records that name a receipt or a care card rather than a household card.
    private static readonly Grains.Records.HouseholdCard Household = new("040014", "12", "345");
    // The card a receipt is sent again under, or a person moves to.
    private static readonly Grains.Records.HouseholdCard OtherCard = new("040014", "12", "999");
    private static readonly Grains.Records.ReceiptKey Key = new("0110001", new Grains.Records.YearMonth(202405), 7);

    private static SubmissionAppend Decision(string id, int pointsCut = 12) => new(
        new SubmissionRow(id, "decisions", "d.csv", 1, 1, 0, 0, [], [], new Dictionary<int, long>()), [])
    {
        Waiting = [new WaitingRecord(IdentityRow.OfReceipt(Key), Grains.GrainCodec.Encode(new Grains.Records.DecisionArrived(Grains.Records.HouseholdCard.Unresolved,
            new Grains.Records.ReviewDecision(Key, Grains.Records.DecisionKind.Assessed, pointsCut, 2))))],
    };

    private static SubmissionAppend Claims(string id) => Submission(id, (0, "receipt")) with
    {
        Identities = [new IdentityRow(IdentityRow.OfReceipt(Key), Household.Key, "01")],
    };

    private static Grains.Records.DecisionArrived Decoded(EntryAppend entry) =>
        Assert.IsType<Grains.Records.DecisionArrived>(Grains.GrainCodec.DecodeRecord(entry.Payload));

    [Fact]
    public void A_decision_waits_for_its_receipt_and_enters_the_log_once_after_it()
    {
        using (var store = CreateStore())
        {
            store.Initialize(4);
            Assert.Empty(Assert.Single(store.Append([Decision("d")])).Resolved);
            Assert.Equal(1, store.WaitingCount());
        }
        using var reopened = ReopenStore();   // the waiting record is durable
        reopened.Initialize(4);
        var outcome = Assert.Single(reopened.Append([Claims("u")]));
        var released = Assert.Single(outcome.Resolved);
        Assert.Equal(Household, Decoded(released).ReceiptCard);
        Assert.Equal(new Actors.ShardMap(4).ShardOf(Household), released.Shard);
        Assert.Equal(0, reopened.WaitingCount());
        // It is in the log right after the receipt, on the household's shard, and counted in the submission's positions.
        Assert.Contains(reopened.ReadShard(released.Shard, 0), e => e.Seq == outcome.FirstSeq + 1);
        Assert.Equal(outcome.FirstSeq + 1, reopened.FindSubmission("u")!.LastSeqByShard[released.Shard]);
        // The identity arriving again releases nothing more: exactly once.
        Assert.Empty(Assert.Single(reopened.Append([Claims("u2")])).Resolved);
    }

    private static SubmissionAppend ClaimsUnder(string id, Grains.Records.HouseholdCard card) => Claims(id) with
    {
        Identities = [new IdentityRow(IdentityRow.OfReceipt(Key), card.Key, "01")],
    };

    private static Grains.Records.ReceiptWithdrawn Withdrawal(EntryAppend entry) =>
        Assert.IsType<Grains.Records.ReceiptWithdrawn>(Grains.GrainCodec.DecodeRecord(entry.Payload));

    [Fact]
    public void A_receipt_sent_again_under_another_card_is_withdrawn_from_the_household_of_the_card_it_had()
    {
        var other = OtherCard;
        var map = new Actors.ShardMap(4);
        using (var store = CreateStore())
        {
            store.Initialize(4);
            Assert.Empty(Assert.Single(store.Append([Claims("u")])).Resolved);
        }
        using var reopened = ReopenStore(); // the card it had is read from the store
        reopened.Initialize(4);
        var moved = Assert.Single(Assert.Single(reopened.Append([ClaimsUnder("u2", other)])).Resolved);
        Assert.Equal(new Grains.Records.ReceiptWithdrawn(Household, Key), Withdrawal(moved));
        Assert.Equal(map.ShardOf(Household), moved.Shard);
        // Under the same card again: nothing to take back.
        Assert.Empty(Assert.Single(reopened.Append([ClaimsUnder("u3", other)])).Resolved);
        // Within one batch, each submission takes it from the card the one before gave it.
        var batch = reopened.Append([ClaimsUnder("u4", Household), ClaimsUnder("u5", other)]);
        Assert.Equal(new Grains.Records.ReceiptWithdrawn(other, Key), Withdrawal(Assert.Single(batch[0].Resolved)));
        Assert.Equal(new Grains.Records.ReceiptWithdrawn(Household, Key), Withdrawal(Assert.Single(batch[1].Resolved)));
    }

    [Fact]
    public void The_decisions_on_a_receipt_sent_again_under_another_card_go_to_the_household_of_that_card()
    {
        var other = OtherCard;
        var map = new Actors.ShardMap(4);
        using (var store = CreateStore())
        {
            store.Initialize(4);
            Assert.Equal(Household, Decoded(Assert.Single(store.Append([Claims("u"), Decision("d")])[1].Resolved)).ReceiptCard);
        }
        using var reopened = ReopenStore(); // the decision is read from the store
        reopened.Initialize(4);
        var moved = Assert.Single(reopened.Append([ClaimsUnder("u2", other)])).Resolved;
        Assert.Equal(2, moved.Count);
        Assert.Equal(new Grains.Records.ReceiptWithdrawn(Household, Key), Withdrawal(moved[0]));
        Assert.Equal(new Grains.Records.DecisionArrived(other, Cut(12)), Decoded(moved[1]));
        Assert.Equal(map.ShardOf(other), moved[1].Shard);
        // Under the same card again: nothing follows.
        Assert.Empty(Assert.Single(reopened.Append([ClaimsUnder("u3", other)])).Resolved);
        // A decision of this batch, for the card the receipt has, follows it with the stored one when a later
        // submission of the batch moves it back.
        var batch = reopened.Append([Decision("d2", 30), ClaimsUnder("u4", Household)]);
        Assert.Equal(new Grains.Records.DecisionArrived(other, Cut(30)), Decoded(Assert.Single(batch[0].Resolved)));
        Assert.Equal(new Grains.Records.ReceiptWithdrawn(other, Key), Withdrawal(batch[1].Resolved[0]));
        Assert.Equal([new Grains.Records.DecisionArrived(Household, Cut(12)), new Grains.Records.DecisionArrived(Household, Cut(30))],
            batch[1].Resolved.Skip(1).Select(Decoded));
    }

    private static Grains.Records.ReviewDecision Cut(int points) => new(Key, Grains.Records.DecisionKind.Assessed, points, 2);

    /// <summary>Leaves the store as a version that kept neither the decisions by receipt nor people's cards by day left it.</summary>
    protected abstract void AsIfBeforeDecisionsAndPersonCardsWereKept();

    [Fact]
    public void A_store_from_before_decisions_and_cards_were_kept_finds_those_in_its_log_once()
    {
        var other = OtherCard;
        var map = new Actors.ShardMap(4);
        // An eligibility submission as a silo of the version before logged it: its rows, and no medical cards by day.
        EntryAppend Row(Grains.Records.EligibilityEventKind kind, Grains.Records.HouseholdCard card, string branch, int from, int? to,
            Grains.Records.InsuranceSystem system = Grains.Records.InsuranceSystem.Kokuho) =>
            new(map.ShardOf(card), Grains.GrainCodec.Encode(new Grains.Records.EligibilityArrived(
                new(kind, "P1", "H1", card, branch, 19500101, 1, from, to, 30, "ウ", system, 2))));
        var eligibility = MedicalCard("e", other, "01", 20240501) with
        {
            PersonCards = [],
            Entries = [Row(Grains.Records.EligibilityEventKind.Acquire, Household, "02", 20240101, null),
                Row(Grains.Records.EligibilityEventKind.Lose, Household, "02", 20240101, 20240430),
                Row(Grains.Records.EligibilityEventKind.Acquire, other, "01", 20240501, null),
                Row(Grains.Records.EligibilityEventKind.Acquire, new("041001", "", "0000012345"), "", 20200101, null, Grains.Records.InsuranceSystem.Kaigo)],
        };
        using (var store = CreateStore())
        {
            store.Initialize(4);
            store.Append([Claims("u"), Decision("d"), eligibility]);
        }
        AsIfBeforeDecisionsAndPersonCardsWereKept();
        for (var start = 0; start < 2; start++) // a second start finds them kept already
        {
            using var reopened = ReopenStore();
            reopened.Initialize(4);
            var (from, to) = start == 0 ? (Household, other) : (other, Household);
            var moved = Assert.Single(reopened.Append([ClaimsUnder($"u{start}", to)])).Resolved;
            Assert.Equal(2, moved.Count);
            Assert.Equal(new Grains.Records.ReceiptWithdrawn(from, Key), Withdrawal(moved[0]));
            Assert.Equal(new Grains.Records.DecisionArrived(to, Cut(12)), Decoded(moved[1]));
            // The card P1 held in each month, from the eligibility rows in the log (not the lost or the 介護 card).
            Assert.Equal((Household, "02"), WentTo(Assert.Single(reopened.Append([CareFeed($"k{start}", 202404)]))));
            Assert.Equal((other, "01"), WentTo(Assert.Single(reopened.Append([CareFeed($"m{start}", 202405)]))));
        }
    }

    [Fact]
    public void A_decision_for_a_known_receipt_goes_straight_to_the_log_even_within_one_batch()
    {
        using var store = CreateStore();
        store.Initialize(4);
        var outcomes = store.Append([Claims("u"), Decision("d")]);
        Assert.Equal(Household, Decoded(Assert.Single(outcomes[1].Resolved)).ReceiptCard);
        Assert.Equal(0, store.WaitingCount());
    }

    [Fact]
    public void A_care_claim_waits_for_its_care_card_and_its_persons_medical_card()
    {
        using var store = CreateStore();
        store.Initialize(4);
        var claim = new Grains.Records.CareClaim("041001", "0000012345", "0470100001", new Grains.Records.YearMonth(202404), "11", 1u, 100, 10m, 90, 100, 2);
        var care = new SubmissionAppend(new SubmissionRow("k", "care-claims", "k.csv", 1, 1, 0, 0, [], [], new Dictionary<int, long>()), [])
        {
            Waiting = [new WaitingRecord(IdentityRow.OfCareCard("041001", "0000012345"),
                Grains.GrainCodec.Encode(new Grains.Records.CareClaimArrived(new Grains.Records.CareClaimHeld(Grains.Records.HouseholdCard.Unresolved, "", claim))))],
        };
        SubmissionAppend Eligibility(string id, params IdentityRow[] identities) =>
            new(new SubmissionRow(id, "eligibility", "e.csv", 1, 1, 0, 0, [], [], new Dictionary<int, long>()), []) { Identities = identities };

        Assert.Empty(Assert.Single(store.Append([care])).Resolved);
        // The care card is known, but not yet the person's medical card: still waiting.
        Assert.Empty(Assert.Single(store.Append([Eligibility("e1",
            new IdentityRow(IdentityRow.OfCareCard("041001", "0000012345"), null, "", IdentityRow.OfPerson("P1")))])).Resolved);
        Assert.Equal(1, store.WaitingCount());
        var released = Assert.Single(Assert.Single(store.Append([Eligibility("e2", new IdentityRow(IdentityRow.OfPerson("P1"), Household.Key, "02"))])).Resolved);
        var held = Assert.IsType<Grains.Records.CareClaimArrived>(Grains.GrainCodec.DecodeRecord(released.Payload)).Held;
        Assert.Equal((Household, "02", claim), (held.Card, held.Branch, held.Claim));
        Assert.Equal(0, store.WaitingCount());
    }

    [Fact]
    public void A_care_claim_sent_again_or_withdrawn_after_its_person_moved_goes_to_the_household_the_claim_went_to()
    {
        var claim = new Grains.Records.CareClaim("041001", "0000012345", "0470100001", new Grains.Records.YearMonth(202404), "11", 1u, 100, 10m, 90, 100, 2);
        var moved = OtherCard;
        SubmissionAppend Feed(string id, Grains.Records.LogRecord record) =>
            new(new SubmissionRow(id, "care-claims", $"{id}.csv", 1, 1, 0, 0, [], [], new Dictionary<int, long>()), [])
            {
                Waiting = [new WaitingRecord(IdentityRow.OfCareCard("041001", "0000012345"), Grains.GrainCodec.Encode(record))],
            };
        var arrival = new Grains.Records.CareClaimArrived(new Grains.Records.CareClaimHeld(Grains.Records.HouseholdCard.Unresolved, "", claim));
        var claimed = Feed("k1", arrival);
        var withdrawn = Feed("w1", new Grains.Records.CareClaimWithdrawn(Grains.Records.HouseholdCard.Unresolved, "041001", "0000012345", "0470100001",
            new Grains.Records.YearMonth(202404), "11"));
        SubmissionAppend Person(string id, Grains.Records.HouseholdCard card, string branch) =>
            new(new SubmissionRow(id, "eligibility", "e.csv", 1, 1, 0, 0, [], [], new Dictionary<int, long>()), [])
            {
                Identities = [new IdentityRow(IdentityRow.OfCareCard("041001", "0000012345"), null, "", IdentityRow.OfPerson("P1")),
                    new IdentityRow(IdentityRow.OfPerson("P1"), card.Key, branch)],
            };
        using (var store = CreateStore())
        {
            store.Initialize(4);
            store.Append([Person("e1", Household, "02")]);
            var first = Assert.IsType<Grains.Records.CareClaimArrived>(Grains.GrainCodec.DecodeRecord(Assert.Single(Assert.Single(store.Append([claimed])).Resolved).Payload));
            Assert.Equal((Household, "02"), (first.Held.Card, first.Held.Branch));
            store.Append([Person("e2", moved, "01")]); // P1 now holds another card
        }
        using var reopened = ReopenStore(); // where the claim went is read from the store
        reopened.Initialize(4);
        var again = Assert.IsType<Grains.Records.CareClaimArrived>(Grains.GrainCodec.DecodeRecord(Assert.Single(Assert.Single(reopened.Append([Feed("k2", arrival)])).Resolved).Payload));
        Assert.Equal((Household, "02"), (again.Held.Card, again.Held.Branch));
        var withdrawal = Assert.Single(Assert.Single(reopened.Append([withdrawn])).Resolved);
        Assert.Equal(Household, Assert.IsType<Grains.Records.CareClaimWithdrawn>(Grains.GrainCodec.DecodeRecord(withdrawal.Payload)).ClaimCard);
        Assert.Equal(new Actors.ShardMap(4).ShardOf(Household), withdrawal.Shard);
        // A claim under another key goes by the person's card now.
        var other = Feed("k3", new Grains.Records.CareClaimArrived(new Grains.Records.CareClaimHeld(Grains.Records.HouseholdCard.Unresolved, "", claim with { ServiceType = "13" })));
        var next = Assert.IsType<Grains.Records.CareClaimArrived>(Grains.GrainCodec.DecodeRecord(Assert.Single(Assert.Single(reopened.Append([other])).Resolved).Payload));
        Assert.Equal((moved, "01"), (next.Held.Card, next.Held.Branch));
    }

    private static SubmissionAppend CareFeed(string id, int month, bool withdraw = false) =>
        new(new SubmissionRow(id, "care-claims", $"{id}.csv", 1, 1, 0, 0, [], [], new Dictionary<int, long>()), [])
        {
            Waiting = [new WaitingRecord(IdentityRow.OfCareCard("041001", "0000012345"), Grains.GrainCodec.Encode(withdraw
                ? new Grains.Records.CareClaimWithdrawn(Grains.Records.HouseholdCard.Unresolved, "041001", "0000012345", "0470100001", new(month), "11")
                : new Grains.Records.CareClaimArrived(new Grains.Records.CareClaimHeld(Grains.Records.HouseholdCard.Unresolved, "",
                    new Grains.Records.CareClaim("041001", "0000012345", "0470100001", new(month), "11", 1u, 100, 10m, 90, 100, 2)))))],
        };

    /// <summary>P1 holds <paramref name="card"/> from <paramref name="from"/> (and the care card 041001/0000012345), as an eligibility submission of this version gives it.</summary>
    private static SubmissionAppend MedicalCard(string id, Grains.Records.HouseholdCard card, string branch, int from) =>
        new(new SubmissionRow(id, "eligibility", "e.csv", 1, 1, 0, 0, [], [], new Dictionary<int, long>()), [])
        {
            Identities = [new IdentityRow(IdentityRow.OfCareCard("041001", "0000012345"), null, "", IdentityRow.OfPerson("P1")),
                new IdentityRow(IdentityRow.OfPerson("P1"), card.Key, branch)],
            PersonCards = [new PersonCardRow("P1", from, card.Key, branch)],
        };

    /// <summary>Where the one care claim or withdrawal a submission released went.</summary>
    private static (Grains.Records.HouseholdCard, string) WentTo(AppendOutcome outcome) =>
        Grains.GrainCodec.DecodeRecord(Assert.Single(outcome.Resolved).Payload) switch
        {
            Grains.Records.CareClaimArrived c => (c.Held.Card, c.Held.Branch),
            Grains.Records.CareClaimWithdrawn w => (w.ClaimCard, ""),
            var other => throw new Xunit.Sdk.XunitException($"{other} is not a care claim"),
        };

    [Fact]
    public void A_care_claim_goes_to_the_household_of_the_card_its_person_held_in_its_service_month()
    {
        var may = OtherCard;
        var july = new Grains.Records.HouseholdCard("39040014", "", "77");
        using (var store = CreateStore())
        {
            store.Initialize(4);
            // P1 holds the first card from January and another from May (the first lost at the end of April).
            store.Append([MedicalCard("e1", Household, "02", 20240101), MedicalCard("e2", may, "01", 20240501)]);
        }
        using var reopened = ReopenStore(); // the cards are read from the store
        reopened.Initialize(4);
        Assert.Equal((Household, "02"), WentTo(Assert.Single(reopened.Append([CareFeed("k4", 202404)]))));
        Assert.Equal((may, "01"), WentTo(Assert.Single(reopened.Append([CareFeed("k5", 202405)]))));
        Assert.Equal((Household, ""), WentTo(Assert.Single(reopened.Append([CareFeed("w3", 202403, withdraw: true)]))));
        // A month before any card the person held: their latest card.
        Assert.Equal((may, "01"), WentTo(Assert.Single(reopened.Append([CareFeed("k12", 202312)]))));
        // Within one batch, the card given by an earlier submission; one for the same day replaces the stored one.
        var batch = reopened.Append([MedicalCard("e3", july, "", 20240701), CareFeed("k7", 202407),
            MedicalCard("e4", Household, "03", 20240501), CareFeed("k6", 202406)]);
        Assert.Equal((july, ""), WentTo(batch[1]));
        Assert.Equal((Household, "03"), WentTo(batch[3]));
    }

}

public sealed class SqliteLogStoreTests : LogStoreContract
{
    private readonly string _dir = TestFiles.NewTempDir("shinsa-store");
    private string DbPath => Path.Combine(_dir, "shinsa.db");

    protected override ILogStore CreateStore() => new SqliteLogStore(DbPath);
    protected override ILogStore ReopenStore() => new SqliteLogStore(DbPath);

    public override void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    protected override void AsIfBeforeDecisionsAndPersonCardsWereKept()
    {
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE decisions; DROP TABLE person_cards; UPDATE meta SET value = '6' WHERE key = 'schema_version'";
            command.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void A_schema_2_data_dir_moves_its_checkpoints_to_the_state_file_and_keeps_its_log_and_identities()
    {
        // Schema 2 kept everything in one file, identities in a rowid table.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO meta VALUES('schema_version', '2'), ('shard_count', '4');
                CREATE TABLE log(seq INTEGER PRIMARY KEY, shard INTEGER NOT NULL, payload BLOB NOT NULL);
                CREATE INDEX log_by_shard ON log(shard, seq);
                INSERT INTO log VALUES(1, 2, x'6130');
                CREATE TABLE submissions(id TEXT PRIMARY KEY, body BLOB NOT NULL);
                CREATE TABLE checkpoints(shard INTEGER PRIMARY KEY, applied_seq INTEGER NOT NULL, partials BLOB NOT NULL);
                INSERT INTO checkpoints VALUES(2, 1, x'0102');
                CREATE TABLE grains(shard INTEGER NOT NULL, key TEXT NOT NULL, state BLOB NOT NULL, PRIMARY KEY(shard, key));
                INSERT INTO grains VALUES(2, 'H', x'03');
                CREATE TABLE findings(shard INTEGER NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY(shard, id));
                INSERT INTO findings VALUES(2, 'F', x'04');
                CREATE TABLE identities(key TEXT PRIMARY KEY, card TEXT, branch TEXT NOT NULL, alias_of TEXT);
                CREATE INDEX identities_by_alias ON identities(alias_of);
                INSERT INTO identities VALUES('p:P1', '01234567:12:34', '02', NULL), ('k:K1:9', NULL, '', 'p:P1');
                CREATE TABLE waiting(id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, payload BLOB NOT NULL);
                """;
            command.ExecuteNonQuery();
        }

        for (var start = 0; start < 2; start++) // and a second start finds nothing left to move
        {
            using var store = new SqliteLogStore(DbPath);
            store.Initialize(4);
            Assert.Equal([1, 2], store.LoadCheckpoint(2)!.Partials.Select(b => (int)b));
            Assert.Equal(new byte[] { 3 }, store.LoadGrain(2, "H"));
            Assert.Equal(new byte[] { 4 }, Assert.Single(store.LoadFindings(2)));
            Assert.Equal(["a0"], Texts(store.ReadShard(2, 0)));
            Assert.Equal(2 + start, store.Append([Submission($"s{start}", (1, "s0"))])[0].FirstSeq);
        }

        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath}");
        check.Open();
        using var tables = check.CreateCommand();
        tables.CommandText = "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('checkpoints', 'grains', 'findings', 'identities') ORDER BY name)";
        Assert.Equal("identities", tables.ExecuteScalar());
        tables.CommandText = "SELECT group_concat(key) FROM (SELECT key FROM identities WHERE alias_of = 'p:P1')";
        Assert.Equal("k:K1:9", tables.ExecuteScalar());
    }

    [Fact]
    public void A_schema_5_state_file_sums_its_per_shard_cells_into_the_totals()
    {
        using (var store = new SqliteLogStore(DbPath)) store.Initialize(4);
        var key = new Grains.Rollups.KpiKey(new Grains.Records.YearMonth(202404), new Grains.Records.YearMonth(202405), "01010016", "0110001");
        var other = key with { ProviderCode = "0110002" };
        var measure = new Grains.Rollups.MeasureKey(Grains.Rollups.Measure.OpenFindings, "01010016", "0110001", new Grains.Records.YearMonth(202404), "DUP");
        // Schema 5 kept each shard's cells: the same cell in two shards, another cell in one.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir, "shinsa.state.db")}"))
        {
            connection.Open();
            using (var create = connection.CreateCommand())
            {
                create.CommandText = """
                    CREATE TABLE kpi_cells(shard INTEGER NOT NULL, cell TEXT NOT NULL, body BLOB NOT NULL, seq INTEGER, PRIMARY KEY(shard, cell)) WITHOUT ROWID;
                    CREATE TABLE measure_cells(shard INTEGER NOT NULL, cell TEXT NOT NULL, body BLOB NOT NULL, seq INTEGER, PRIMARY KEY(shard, cell)) WITHOUT ROWID;
                    """;
                create.ExecuteNonQuery();
            }
            foreach (var (table, shard, cell, body) in new[]
                     {
                         ("kpi_cells", 0, "a", Grains.GrainCodec.EncodeKpiCell(key, new(1, 2, 300, 3_000, 0, 0))),
                         ("kpi_cells", 3, "a", Grains.GrainCodec.EncodeKpiCell(key, new(2, 5, 700, 7_000, 1, 40))),
                         ("kpi_cells", 3, "b", Grains.GrainCodec.EncodeKpiCell(other, new(1, 1, 10, 100, 0, 0))),
                         ("measure_cells", 1, "m", Grains.GrainCodec.EncodeMeasureCell(measure, new(1, 500))),
                         ("measure_cells", 2, "m", Grains.GrainCodec.EncodeMeasureCell(measure, new(2, 700))),
                     })
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = $"INSERT INTO {table}(shard, cell, body) VALUES($shard, $cell, $body)";
                insert.Parameters.AddWithValue("$shard", shard);
                insert.Parameters.AddWithValue("$cell", cell);
                insert.Parameters.AddWithValue("$body", body);
                insert.ExecuteNonQuery();
            }
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        for (var start = 0; start < 2; start++) // and a second start finds nothing left to move
        {
            using var store = new SqliteLogStore(DbPath);
            store.Initialize(4);
            var kpis = store.LoadKpiTotals().ToDictionary(c => Grains.GrainCodec.DecodeKpiKey(c.Key), c => Grains.Rollups.KpiCounters.FromValues(c.Values));
            Assert.Equal(2, kpis.Count);
            Assert.Equal(new Grains.Rollups.KpiCounters(3, 7, 1_000, 10_000, 1, 40), kpis[key]);
            Assert.Equal(new Grains.Rollups.KpiCounters(1, 1, 10, 100, 0, 0), kpis[other]);
            var cell = Assert.Single(store.LoadMeasureTotals());
            Assert.Equal(measure, Grains.GrainCodec.DecodeMeasureKey(cell.Key));
            Assert.Equal(new Grains.Rollups.MeasureValue(3, 1_200), Grains.Rollups.MeasureValue.FromValues(cell.Values));
        }
    }

    [Fact]
    public void A_state_file_beside_another_log_is_refused()
    {
        using (var store = new SqliteLogStore(DbPath)) store.Initialize(4);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_dir, "shinsa.db*")) File.Delete(file);
        using var other = new SqliteLogStore(DbPath);
        Assert.Contains("belongs to another log", Assert.Throws<InvalidOperationException>(() => other.Initialize(4)).Message);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresLogStoreTests(PostgresServer server) : LogStoreContract
{
    private readonly string _connectionString = server.NewDatabase();

    protected override ILogStore CreateStore() => new PostgresLogStore(_connectionString);
    protected override ILogStore ReopenStore() => new PostgresLogStore(_connectionString);

    public override void Dispose() => Npgsql.NpgsqlConnection.ClearAllPools();

    protected override void AsIfBeforeDecisionsAndPersonCardsWereKept()
    {
        using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new Npgsql.NpgsqlCommand("DROP TABLE decisions, person_cards; DELETE FROM schema_migrations WHERE version = 12", connection);
        command.ExecuteNonQuery();
    }

    [Fact]
    public void The_stores_connections_plan_no_parallel_queries_and_keep_the_users_own_server_options()
    {
        var users = new Npgsql.NpgsqlConnectionStringBuilder(_connectionString) { Options = "-c statement_timeout=4321" }.ConnectionString;
        using var connection = new Npgsql.NpgsqlConnection(PostgresLogStore.PooledConnectionString(users));
        connection.Open();
        string Show(string setting)
        {
            using var command = new Npgsql.NpgsqlCommand($"SHOW {setting}", connection);
            return (string)command.ExecuteScalar()!;
        }
        Assert.Equal("0", Show("max_parallel_workers_per_gather"));
        Assert.Equal("4321ms", Show("statement_timeout"));
    }

    [Fact]
    public void Concurrent_appenders_get_positions_in_commit_order()
    {
        // Two stores stand for two silos appending at once: per shard, positions must rise in the order the
        // entries became visible, or a worker reading behind a gap would skip an entry.
        using var a = CreateStore();
        using var b = CreateStore();
        a.Initialize(2);
        b.Initialize(2);
        Parallel.For(0, 40, i =>
        {
            var store = i % 2 == 0 ? a : b;
            store.Append([new SubmissionAppend(new SubmissionRow($"s{i}", "uke", "f", 3, 3, 0, 0, [], [], new Dictionary<int, long>()),
                [new EntryAppend(0, [1]), new EntryAppend(1, [2]), new EntryAppend(0, [3])])]);
        });
        var shard0 = a.ReadShard(0, 0).Select(e => e.Seq).ToList();
        Assert.Equal(80, shard0.Count);
        Assert.Equal(shard0.Order(), shard0);
        var all = shard0.Concat(a.ReadShard(1, 0).Select(e => e.Seq)).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), all);
    }
}
