using System.Collections.Immutable;

namespace Shinsa.Grains.Records;

/// <summary>The 点数表 a receipt is billed under (first digit of レセプト種別).</summary>
public enum ClaimKind : byte
{
    Medical = 1,          // 医科
    Dental = 3,           // 歯科
    Pharmacy = 4,         // 調剤
    VisitingNursing = 6,  // 訪問看護
}

/// <summary>Identifies one receipt across submissions: 医療機関コード + 請求年月 + レセプト番号.
/// A receipt arriving again under the same key replaces the earlier one.</summary>
public readonly record struct ReceiptKey(string ProviderCode, YearMonth BillingMonth, int ReceiptNo)
{
    public override string ToString() => $"{ProviderCode}/{BillingMonth}/{ReceiptNo}";
}

/// <summary>SI 診療行為, IY 医薬品, TO 特定器材.</summary>
public enum LineKind : byte { Procedure = 1, Drug = 2, Material = 3 }

/// <summary>
/// One SI/IY/TO line, kept compact: codes and numbers only. <see cref="Points"/> is null on the lines of a group
/// that do not carry the group's 点数 (the 点数 stands on the group's last line).
/// </summary>
public sealed record ServiceLine(
    LineKind Kind,
    string? Division,     // 診療識別 (2 digits; empty on continuation lines)
    string Code,          // 診療行為/医薬品/特定器材コード (9 digits)
    decimal? Quantity,    // 数量
    int? Points,          // 点数
    int Times,            // 回数
    uint DayMask)         // bit d-1 set when 算定日 d has a count
{
    public long Contribution => (long)(Points ?? 0) * Times;
}

/// <summary>SY 傷病名.</summary>
public sealed record Diagnosis(string Code, int? StartDate, byte Outcome, bool IsPrimary);

/// <summary>KO 公費.</summary>
public sealed record PublicExpense(string PayerNo, string? RecipientNo, int? Days, int? Points, int? PaidYen);

/// <summary>
/// A parsed claim receipt (レセプト). Every number the checks and KPIs need, none of the free text.
/// <see cref="DeclaredPoints"/> is the HO 合計点数 (KO when there is no HO); <see cref="ComputedPoints"/> is
/// Σ 点数×回数 over the SI/IY/TO lines. They differ on a TOTAL finding, never on a parse error.
/// </summary>
public sealed record Receipt(
    ReceiptKey Key,
    ClaimKind Kind,
    string ReceiptType,        // レセプト種別 (4 digits)
    YearMonth ServiceMonth,    // 診療年月
    HouseholdCard Card,
    string? Branch,            // 枝番
    byte Sex,                  // 1 male, 2 female
    int BirthDate,             // YYYYMMDD
    string? KanaName,          // カナ氏名, only for person matching when there is no 枝番
    int? BenefitRatio,         // 給付割合
    int? AdmissionDate,        // 入院年月日 YYYYMMDD
    string? SpecialNotes,      // レセプト特記事項
    int Days,                  // 診療実日数
    int DeclaredPoints,
    long ComputedPoints,
    int? CopayYen,             // 負担金額
    ImmutableArray<PublicExpense> PublicExpenses,
    ImmutableArray<Diagnosis> Diagnoses,
    ImmutableArray<ServiceLine> Lines,
    int SourceLine,            // line of the RE record in its file, for findings and errors
    string? PrescriberCode = null) // 調剤: 処方箋を交付した医療機関コード, which the 突合 checks pair it with
{
    /// <summary>入院 when the 4th digit of レセプト種別 is odd (1,3,5,7,9).</summary>
    public bool IsInpatient => ReceiptType.Length == 4 && (ReceiptType[3] - '0') % 2 == 1;

    /// <summary>The person within the household: 枝番, or birth date + sex + kana name when there is none.</summary>
    public string PersonKey => string.IsNullOrEmpty(Branch) ? $"{BirthDate}:{Sex}:{KanaName}" : Branch;

    /// <summary>費用額 in yen (点数 × 10).</summary>
    public long CostYen => (long)DeclaredPoints * 10;
}
