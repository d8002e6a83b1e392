using FsCheck;
using FsCheck.Xunit;
using Shinsa.Grains.Findings;
using Shinsa.Grains.HighCost;
using Shinsa.Grains.Records;
using Shinsa.Grains.Rollups;
using static Shinsa.Grains.Tests.ReviewFixture;

namespace Shinsa.Grains.Tests;

/// <summary>
/// Properties of the review over random households: the records' order does not change what is found (invariant 3),
/// and withdrawing a record gives back the state of never having had it (invariant 4).
/// </summary>
public class ReviewProperties
{
    /// <summary>A random household month or three: eligibility (sometimes late, sometimes a burden change), 医科 and 調剤
    /// receipts whose drugs and diagnoses may or may not agree, a stay, a check-up, an injury and its report, 柔整.</summary>
    internal static List<LogRecord> Household(int seed)
    {
        var rng = new Random(seed);
        var records = new List<LogRecord>
        {
            new EligibilityArrived(Eligible(burden: 30, incomeClass: rng.Next(2) == 0 ? "ウ" : "エ")),
            new EligibilityArrived(Eligible(branch: "02", person: "P2", birth: 19500301, burden: 20, incomeClass: "一般")),
        };
        if (rng.Next(3) == 0) records.Add(new EligibilityArrived(Eligible(from: 20240501, burden: 20, kind: EligibilityEventKind.Change)));
        if (rng.Next(4) == 0) // P2 leaves in April (insured months, 特定健診 targets and ELIG-NONE all move)
            records.Add(new EligibilityArrived(Eligible(branch: "02", person: "P2", birth: 19500301, burden: 20, incomeClass: "一般", to: 20240415,
                kind: EligibilityEventKind.Lose)));
        string[] diseases = [Diabetes, Hypertension, Cold, Injury];
        string[] drugs = [Metformin, Amlodipine, Famotidine, Norvasc];
        var no = 0;
        foreach (var month in new[] { 202401, 202403, 202404, 202405, 202407 })
            foreach (var branch in new[] { "01", "02" })
            {
                var clinic = rng.Next(3) switch { 0 => Clinic, 1 => Clinic2, _ => Clinic3 };
                var dx = new[] { diseases[rng.Next(4)], diseases[rng.Next(4)] }.Distinct().ToArray();
                ServiceLine[] lines = rng.Next(4) == 0 ? [Line(FirstVisit), Line(Urine, rng.Next(1, 3)), Line(Prescription)] : [Line(Revisit, rng.Next(1, 4)), Line(Prescription)];
                records.Add(new ReceiptArrived(Receipt(++no, lines, provider: clinic, month: month, branch: branch, diagnoses: dx,
                    declared: rng.Next(6) == 0 ? 999 : null)));
                if (rng.Next(5) == 0)
                    records.Add(new ReceiptArrived(Receipt(++no, [Line(Revisit)], provider: clinic, month: month, branch: branch, diagnoses: dx)));
                if (rng.Next(3) > 0)
                    records.Add(new ReceiptArrived(Receipt(++no, [Line(drugs[rng.Next(4)], rng.Next(7, 29))], provider: Pharmacy, kind: ClaimKind.Pharmacy,
                        month: month, branch: branch, prescriber: rng.Next(5) == 0 ? Clinic2 : clinic, diagnoses: [])));
                if (rng.Next(4) == 0) // a second prescriber's 処方箋, sometimes the same ingredient (重複投薬)
                    records.Add(new ReceiptArrived(Receipt(++no, [Line(drugs[rng.Next(4)], 14)], provider: Pharmacy, kind: ClaimKind.Pharmacy,
                        month: month, branch: branch, prescriber: Hospital2, diagnoses: [])));
                if (rng.Next(3) == 0) // 歯科 (no check reads it but DUP, TOTAL and ROUTE: it must still withdraw cleanly)
                    records.Add(new ReceiptArrived(Receipt(++no, [Line(FirstVisit)], provider: "0310001", kind: ClaimKind.Dental, month: month,
                        branch: branch, diagnoses: [Cold], declared: rng.Next(5) == 0 ? 300 : null)));
                if (rng.Next(6) == 0)
                    records.Add(new ReceiptArrived(Receipt(++no, [Line(Admission, 20, 0xFFFFFu), Line(Urine)], provider: Hospital, month: month, branch: branch,
                        inpatient: true, days: 20)));
            }
        if (rng.Next(2) == 0) records.Add(new CheckupArrived(new Checkup(Card, "01", 20240310, 7.2m, null, 150, 95, null, null, null, null, 0)));
        if (rng.Next(2) == 0) records.Add(new ThirdPartyReportArrived(new ThirdPartyReport(Card, "02", 20240402, "交通事故", 0)));
        records.Add(new JudoClaimArrived(new JudoClaim("5010001", new YearMonth(202405), 1, Card, "01", 19700101, 1, new YearMonth(202404), 20231001,
            "S934", rng.Next(1, 5), (uint)((1L << rng.Next(5, 20)) - 1), 9_800, 2_940, 0)));
        records.Add(new CareClaimArrived(new CareClaimHeld(Card, "02", new CareClaim("041001", "0000012345", "0470100001", new YearMonth(202404), "11",
            0b1111100u, 2_000, 10.5m, 80, 4_200, 0))));
        if (records.OfType<ReceiptArrived>().FirstOrDefault(r => r.Receipt.Key.ReceiptNo == 2) is { } second)
            records.Add(new DecisionArrived(Card, rng.Next(2) == 0
                ? new ReviewDecision(second.Receipt.Key, DecisionKind.Returned, 0, 0)
                : new ReviewDecision(second.Receipt.Key, DecisionKind.Assessed, 10, 0)));
        // A resubmission (same key, new content) and a second copy of a row: both must come out the same whatever their place.
        records.Add(new ReceiptArrived(Receipt(1, [Line(Revisit)], provider: Clinic, month: 202403, diagnoses: [Cold])));
        records.Add(records[0]);
        return records;
    }

    /// <summary>What the review produced: open findings, KPI cells, measures, 高額療養費 rows, the care claims held and their year's
    /// 高額介護合算, the timer — all that must not depend on order.</summary>
    private static string Outcome(World w) =>
        string.Join('\n', w.Grain.OpenFindings.OrderBy(f => f.Id, StringComparer.Ordinal).Select(f => $"{f.Id} {f.YenAtStake} {string.Join(',', f.Receipts)}")
            .Concat(w.Partials.Kpis.Cells().OrderBy(c => c.Key.ToString(), StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))
            .Concat(w.Partials.Measures.Cells().OrderBy(c => c.Key.ToString(), StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))
            .Concat(w.Grain.HighCost.Select(h => h.ToString()))
            .Concat(w.Grain.CareClaims.Select(c => c.Key.ToString()))
            .Concat(HouseholdHighCost.ComputeAll(w.Grain.Facts()).Yearly.Select(y => y.ToString()))
            .Append($"due {string.Join(',', w.Grain.Dues)}"));

    private static World Run(IEnumerable<LogRecord> records, int asOf = 202407) => new World(Context(asOf)).Apply(records.ToArray());

    [Property(MaxTest = 60)]
    public bool Any_order_of_a_households_records_gives_the_same_findings_KPIs_and_high_cost(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        var records = Household(seed);
        var expected = Outcome(Run(records));
        var order = Enumerable.Range(0, records.Count).ToArray();
        new Random(seed ^ 0x5EED).Shuffle(order);
        // Keep each receipt key's versions in their original relative order (the correction stays after the original).
        var reordered = KeepCorrectionsInOrder(order.Select(i => records[i]).ToList(), records);
        return Outcome(Run(reordered)) == expected;
    }

    private static List<LogRecord> KeepCorrectionsInOrder(List<LogRecord> shuffled, List<LogRecord> original)
    {
        var versions = original.OfType<ReceiptArrived>().GroupBy(r => r.Receipt.Key).ToDictionary(g => g.Key, g => new Queue<ReceiptArrived>(g));
        return shuffled.Select(r => r is ReceiptArrived ra ? versions[ra.Receipt.Key].Dequeue() : r).ToList();
    }

    [Property(MaxTest = 60)]
    public bool Withdrawing_a_receipt_of_any_kind_equals_never_having_had_it(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        var records = Household(seed);
        // 医科 (outpatient and stays), 歯科, 調剤 and the 柔整 claim: each can be withdrawn by its key.
        var keys = records.OfType<ReceiptArrived>().Select(r => r.Receipt.Key)
            .Concat(records.OfType<JudoClaimArrived>().Select(j => new ReceiptKey(j.Claim.ProviderCode, j.Claim.BillingMonth, j.Claim.ClaimNo)))
            .Distinct().ToList();
        var victim = keys[new Random(seed).Next(keys.Count)];
        var without = records.Where(r => r switch
        {
            ReceiptArrived ra => ra.Receipt.Key != victim,
            JudoClaimArrived j => new ReceiptKey(j.Claim.ProviderCode, j.Claim.BillingMonth, j.Claim.ClaimNo) != victim,
            _ => true,
        }).ToList();
        var withdrawn = records.Append(new ReceiptWithdrawn(Card, victim)).ToList();
        return Outcome(Run(withdrawn)) == Outcome(Run(without));
    }

    [Property(MaxTest = 30)]
    public bool Withdrawing_the_care_claim_equals_never_having_had_it(DoNotSize<int> anySeed)
    {
        var records = Household(anySeed.Item);
        var care = records.OfType<CareClaimArrived>().Single().Held.Claim;
        var withdrawal = new CareClaimWithdrawn(Card, care.InsurerNo, care.InsuredNo, care.ProviderNo, care.ServiceMonth, care.ServiceType);
        return Outcome(Run(records.Append(withdrawal))) == Outcome(Run(records.Where(r => r is not CareClaimArrived)));
    }

    [Property(MaxTest = 30)]
    public bool Crash_replay_from_a_snapshot_at_any_point_equals_the_uninterrupted_run(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        var records = Household(seed);
        var cut = new Random(seed).Next(records.Count + 1);
        var whole = Run(records);
        var first = Run(records.Take(cut));
        // What a checkpoint writes and recovery reads: the grain's snapshot and the shard's partials, through the codec.
        var restored = new World(first.Context);
        var grain = Households.HouseholdGrain.FromSnapshot(GrainCodec.DecodeSnapshot(GrainCodec.Encode(first.Grain.ToSnapshot())), first.Context.Masters);
        var partials = GrainCodec.DecodePartials(GrainCodec.Encode(first.Partials));
        // The findings go beside the partials, one by one (what the store's findings table holds).
        foreach (var f in first.Partials.ChangedFindings.Values) partials.SetFinding(GrainCodec.DecodeFinding(GrainCodec.EncodeFinding(f)));
        foreach (var r in records.Skip(cut)) grain.Apply(r, partials, first.Context);
        static string Index(Rollups.ShardPartials p) => string.Join('\n', p.ChangedFindings.Values.OrderBy(f => f.Id, StringComparer.Ordinal)
            .Select(f => Convert.ToHexString(GrainCodec.EncodeFinding(f))));
        return GrainCodec.Encode(grain.ToSnapshot()).SequenceEqual(GrainCodec.Encode(whole.Grain.ToSnapshot()))
            && GrainCodec.Encode(partials).SequenceEqual(GrainCodec.Encode(whole.Partials))
            && Index(partials) == Index(whole.Partials);
    }

    [Property(MaxTest = 60)]
    public bool Reviewing_only_the_months_a_record_reaches_equals_reviewing_everything_once(DoNotSize<int> anySeed)
    {
        var seed = anySeed.Item;
        // Shuffled, so that records of earlier months arrive after later ones (what the forward reach is for).
        var original = Household(seed);
        var order = Enumerable.Range(0, original.Count).ToArray();
        new Random(seed).Shuffle(order);
        var records = KeepCorrectionsInOrder(order.Select(i => original[i]).ToList(), original);
        var incremental = Run(records);
        // The same records kept without review, then one review of the whole household.
        var whole = new World(Context(202407));
        foreach (var r in records) whole.Grain.Apply(r, whole.Partials, whole.Context, review: false);
        whole.Grain.Review(whole.Partials, whole.Context);
        return Outcome(incremental) == Outcome(whole);
    }

    [Fact]
    public void The_generated_households_exercise_most_checks()
    {
        // Guards the properties above against testing an empty review: over 60 seeds most check ids do fire.
        var fired = Enumerable.Range(0, 60).SelectMany(s => Run(Household(s)).Grain.OpenFindings.Select(f => f.CheckId)).ToHashSet();
        foreach (var id in new[] { "ELIG-RATIO", "DUP", "TOTAL", "VERT", "MATCH", "CARE-HOSP", "JUDO", "THIRD", "DRUGS", "DM-DROP" })
            Assert.Contains(id, fired);
        Assert.Contains(Enumerable.Range(0, 60), s => Run(Household(s)).Grain.HighCost.Any());
    }
}
