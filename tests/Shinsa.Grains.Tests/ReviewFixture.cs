using System.Collections.Immutable;
using Shinsa.Grains.Findings;
using Shinsa.Grains.Households;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Grains.Review;
using Shinsa.Grains.Rollups;

namespace Shinsa.Grains.Tests;

/// <summary>
/// A small world for the check tests: a 国保 card (6-digit insurer, so the eligibility checks apply), masters with a
/// few procedures, drugs and diseases, and builders for receipts and other records. Points are the masters' (the
/// expected yen in the tests are worked out from them by hand).
/// </summary>
internal static class ReviewFixture
{
    public static readonly HouseholdCard Card = new("040014", "12", "345");
    public const string Clinic = "0110001", Clinic2 = "0110002", Clinic3 = "0110003", Hospital = "0210001", Hospital2 = "0210002", Pharmacy = "0410001";

    public const string FirstVisit = "111000110", Revisit = "112007410", Prescription = "120002910", Urine = "160000310", Blood = "160008010", Admission = "190077410";
    public const string Metformin = "610432001", Amlodipine = "620421002", Famotidine = "610406079";
    // ノルバスク: the brand of Amlodipine (same ingredient), so 後発医薬品使用割合 has a brand with a generic to count.
    public const string Norvasc = "610443027";
    public const string Diabetes = "2500013", Hypertension = "8833421", Cold = "4659007", Injury = "9599001";

    public static readonly ReferenceMasters Masters = new(
        [
            new DrugInfo(Metformin, "メトグルコ", "錠", 10m, false, true, "3962002", "3962002F1024"),
            new DrugInfo(Amlodipine, "アムロジピン", "錠", 10m, true, true, "2171022", "2171022F2033"),
            new DrugInfo(Famotidine, "ガスター", "g", 30m, false, true, "2325003", "2325003B2029"),
            new DrugInfo(Norvasc, "ノルバスク", "錠", 20m, false, true, "2171022", "2171022F1037"),
        ],
        [
            new ProcedureInfo(FirstVisit, "初診料", 288), new ProcedureInfo(Revisit, "再診料", 73), new ProcedureInfo(Prescription, "処方箋料", 68),
            new ProcedureInfo(Urine, "尿検査", 26), new ProcedureInfo(Blood, "血液検査", 21), new ProcedureInfo(Admission, "入院料", 1650),
        ],
        [
            new DiseaseInfo(Diabetes, "２型糖尿病", "E119"), new DiseaseInfo(Hypertension, "高血圧症", "I10"),
            new DiseaseInfo(Cold, "急性上気道炎", "J069"), new DiseaseInfo(Injury, "外傷", "T141"),
        ],
        [], []);

    public static ReviewContext Context(int asOf = 202404) => new(RuleSet.Starter, Masters, new YearMonth(asOf));

    private static readonly Dictionary<string, int> Points = new()
    {
        [FirstVisit] = 288, [Revisit] = 73, [Prescription] = 68, [Urine] = 26, [Blood] = 21, [Admission] = 1650, [Metformin] = 2, [Amlodipine] = 1, [Famotidine] = 3, [Norvasc] = 2,
    };

    /// <summary>A line of <paramref name="times"/> on the given days (default: day 1 … times).</summary>
    public static ServiceLine Line(string code, int times = 1, uint? days = null) =>
        new(code.StartsWith('6') ? LineKind.Drug : LineKind.Procedure, "11", code, code.StartsWith('6') ? 1m : null, Points[code], times,
            days ?? (uint)((1L << Math.Min(times, 31)) - 1));

    /// <summary>A receipt whose declared total equals its lines (so TOTAL stays quiet unless a test says otherwise).</summary>
    public static Receipt Receipt(int no, ServiceLine[] lines, string provider = Clinic, ClaimKind kind = ClaimKind.Medical, int month = 202404,
        string branch = "01", bool inpatient = false, string[]? diagnoses = null, string? prescriber = null, int? benefit = 70, int days = 1,
        int? declared = null, HouseholdCard? card = null)
    {
        var computed = lines.Sum(l => l.Contribution);
        var type = $"{(int)kind}11{(inpatient ? '1' : '2')}";
        return new Receipt(new ReceiptKey(provider, new YearMonth(month).AddMonths(1), no), kind, type, new YearMonth(month), card ?? Card,
            branch, 1, 19700101, "テスト", benefit, inpatient ? month * 100 + 1 : null, null, days, declared ?? (int)computed, computed, null, [],
            (diagnoses ?? [Cold]).Select((d, i) => new Diagnosis(d, month * 100 + 1, 1, i == 0)).ToImmutableArray(), [.. lines], 1, prescriber);
    }

    public static EligibilityEvent Eligible(int from = 20200401, int? to = null, int burden = 30, string incomeClass = "ウ", string branch = "01",
        EligibilityEventKind kind = EligibilityEventKind.Acquire, int birth = 19700101, string person = "P1", HouseholdCard? card = null) =>
        new(kind, person, "H1", card ?? Card, branch, birth, 1, from, to, burden, incomeClass, InsuranceSystem.Kokuho, 0);

    /// <summary>A grain with its shard's partials, applying records under one context.</summary>
    public sealed class World(ReviewContext? context = null)
    {
        public HouseholdGrain Grain { get; } = new(Card);
        public ShardPartials Partials { get; } = new();
        public ReviewContext Context { get; set; } = context ?? ReviewFixture.Context();

        public World Apply(params LogRecord[] records)
        {
            foreach (var r in records) Grain.Apply(r, Partials, Context);
            return this;
        }

        public World Apply(params Receipt[] receipts) => Apply(receipts.Select(r => (LogRecord)new ReceiptArrived(r)).ToArray());

        public List<Finding> Open(string check) => Grain.OpenFindings.Where(f => f.CheckId == check).OrderBy(f => f.Id, StringComparer.Ordinal).ToList();
    }
}
