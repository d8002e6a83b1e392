using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Uke;

/// <summary>
/// Every field position the UKE parser and writer use (レセプト電算処理システム 記録条件仕様; 1-based field numbers, field 1
/// is the record identifier). The records every kind shares are here as constants; what differs between 医科, 歯科,
/// 調剤 and 訪問看護 is one <see cref="KindLayout"/> each. Corrections to a layout belong here and nowhere else.
/// </summary>
/// <remarks>
/// The 医科 positions are those of DOMAIN.md, checked against the real sample. The 歯科, 調剤 and 訪問看護 positions
/// are implemented from the official specifications as best known without a real file to check them against; the
/// generator writes them with the same table, so a correction here moves parser and writer together.
/// </remarks>
public static class UkeLayout
{
    /// <summary>A line longer than this is refused without decoding it (real records are well under 2 KB).</summary>
    public const int MaxLineBytes = 64 * 1024;

    public static class IR // 医療機関情報 (薬局, 訪問看護ステーション)
    {
        public const int MinFields = 8;
        public const int FieldCount = 10;
        public const int Payer = 2;          // 審査支払機関 (1 社保, 2 国保)
        public const int Prefecture = 3;     // 都道府県
        public const int PointTable = 4;     // 点数表 (1 医科, 3 歯科, 4 調剤, 6 訪問看護): which KindLayout reads the file
        public const int ProviderCode = 5;   // 医療機関コード (7)
        public const int Name = 7;           // 名称 (not kept)
        public const int BillingMonth = 8;   // 請求年月 (YYYYMM; GYYMM in older files)
    }

    public static class HO // 保険者
    {
        public const int MinFields = 12;
        public const int FieldCount = 15;
        public const int InsurerNo = 2;      // 保険者番号
        public const int Symbol = 3;         // 被保険者証等の記号
        public const int Number = 4;         // 被保険者証等の番号
        public const int Days = 5;           // 診療実日数 (調剤: 処方箋受付回数)
        public const int TotalPoints = 6;    // 合計点数 (訪問看護: 合計金額 in yen)
        public const int CopayYen = 12;      // 負担金額 医療保険
    }

    public static class KO // 公費
    {
        public const int MinFields = 7;
        public const int FieldCount = 12;
        public const int PayerNo = 2;        // 公費負担者番号
        public const int RecipientNo = 3;    // 公費受給者番号
        public const int Days = 5;           // 診療実日数
        public const int TotalPoints = 6;    // 合計点数
        public const int PaidYen = 7;        // 公費負担金額
    }

    /// <summary>
    /// 資格確認 (added by the 2021 revision for online eligibility checks). Best known position of the
    /// 被保険者証等の枝番: field 7 (after 負担者種別, 確認区分, 保険者番号等, 記号, 番号). Files without an SN record
    /// have no 枝番; the person is then matched by birth date, sex and kana name.
    /// </summary>
    public static class SN
    {
        public const int FieldCount = 9;
        public const int Branch = 7;
    }

    public static class GO // 診療報酬請求書 合計
    {
        public const int MinFields = 3;
        public const int FieldCount = 4;
        public const int Count = 2;          // 総件数
        public const int TotalPoints = 3;    // 総合計点数
    }

    /// <summary>Records that may appear inside a receipt and carry nothing the checks need (any kind).</summary>
    public static readonly HashSet<string> Ignored =
    [
        "CO", "SJ", "KH", "GR", "TI", "TR", "TS", "JD", "MF", "NI", "SK", "CD", "GA", "HH", "GT", "BU", "SB", "KK", "GK", "RC", "TK",
        "SH", "KI", "HJ", "JS", "KS", "RJ", "AN",
    ];

    /// <summary>SI 診療行為, IY 医薬品, TO 特定器材 (and the kind-specific line records) share these positions.</summary>
    private static LineLayout Line(string record, LineKind kind) => new(record, kind);

    public static readonly KindLayout Medical = new(
        ClaimKind.Medical, "医科",
        new ReLayout(AdmissionDate: 9, SpecialNotes: 12),
        new DiagnosisLayout("SY", Code: 2, StartDate: 3, Outcome: 4, Primary: 7),
        [Line("SI", LineKind.Procedure), Line("IY", LineKind.Drug), Line("TO", LineKind.Material)]);

    /// <summary>歯科: 傷病名 come as HS (傷病名部位, with the tooth) and 歯科診療行為 as SS; SI/IY/TO as in 医科.</summary>
    public static readonly KindLayout Dental = new(
        ClaimKind.Dental, "歯科",
        new ReLayout(AdmissionDate: 9, SpecialNotes: 12),
        new DiagnosisLayout("HS", Code: 4, StartDate: 2, Outcome: 3, Primary: 7),
        [Line("SS", LineKind.Procedure), Line("SI", LineKind.Procedure), Line("IY", LineKind.Drug), Line("TO", LineKind.Material)]);

    /// <summary>
    /// 調剤: no 傷病名 and no 入院; the RE names the prescribing institution (処方箋を交付した保険医療機関) because the
    /// 突合 checks pair each pharmacy receipt with its prescriber's. 調剤行為 (基本料・調剤料・薬学管理料) come as CZ.
    /// </summary>
    public static readonly KindLayout Pharmacy = new(
        ClaimKind.Pharmacy, "調剤",
        new ReLayout(AdmissionDate: null, SpecialNotes: 9, PrescriberPrefecture: 10, PrescriberPointTable: 11, PrescriberCode: 12),
        null,
        [Line("CZ", LineKind.Procedure), Line("IY", LineKind.Drug), Line("TO", LineKind.Material)]);

    /// <summary>
    /// 訪問看護: amounts are in yen (訪問看護療養費), not points. The fee table is in 10-yen units, so the parser holds
    /// them as points (yen ÷ 10) and 費用額 stays points × 10 for every kind; an amount that is not a multiple of 10
    /// rejects the receipt. 訪問看護療養費 lines come as KA.
    /// </summary>
    public static readonly KindLayout VisitingNursing = new(
        ClaimKind.VisitingNursing, "訪問看護",
        new ReLayout(AdmissionDate: null, SpecialNotes: 12),
        new DiagnosisLayout("SY", Code: 2, StartDate: 3, Outcome: 4, Primary: 7),
        [Line("KA", LineKind.Procedure)],
        AmountsInYen: true);

    public static KindLayout For(ClaimKind kind) => kind switch
    {
        ClaimKind.Medical => Medical,
        ClaimKind.Dental => Dental,
        ClaimKind.Pharmacy => Pharmacy,
        ClaimKind.VisitingNursing => VisitingNursing,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no UKE layout"),
    };
}

/// <summary>What one 点数表 reads differently from the others.</summary>
public sealed record KindLayout(
    ClaimKind Kind,
    string Name,
    ReLayout RE,
    DiagnosisLayout? Diagnosis,
    IReadOnlyList<LineLayout> Lines,
    bool AmountsInYen = false)
{
    public LineLayout? Line(string record)
    {
        foreach (var l in Lines) if (l.Record == record) return l;
        return null;
    }

    /// <summary>The record types this kind reads inside a receipt.</summary>
    public bool Reads(string record) =>
        record is "HO" or "KO" or "SN" || record == Diagnosis?.Record || Line(record) is not null;
}

/// <summary>RE レセプト共通 (starts a receipt).</summary>
public sealed record ReLayout(
    int? AdmissionDate,              // 入院年月日 (none for 調剤, 訪問看護)
    int SpecialNotes,                // レセプト特記事項
    int? PrescriberPrefecture = null, // 処方 都道府県 (調剤)
    int? PrescriberPointTable = null, // 処方 点数表 (調剤)
    int? PrescriberCode = null)      // 処方 医療機関コード (調剤)
{
    public int MinFields => 8;
    public int FieldCount => 38;
    public int ReceiptNo => 2;       // レセプト番号
    public int ReceiptType => 3;     // レセプト種別 (4 digits; the first is the 点数表)
    public int ServiceMonth => 4;    // 診療年月 (調剤年月)
    public int Name => 5;            // 氏名 (not kept)
    public int Sex => 6;             // 男女区分
    public int BirthDate => 7;       // 生年月日
    public int BenefitRatio => 8;    // 給付割合
    public int KanaName => 37;       // カナ氏名
}

/// <summary>傷病名 (SY; 歯科 HS).</summary>
public sealed record DiagnosisLayout(string Record, int Code, int StartDate, int Outcome, int Primary)
{
    public int MinFields => 7;
    public int FieldCount => 8;
}

/// <summary>A service line record: 診療識別, 負担区分, コード, 数量, 点数, 回数 and the 31 算定日 counts.</summary>
public sealed record LineLayout(string Record, LineKind Kind)
{
    // The 算定日 fields are part of the fixed layout; requiring them catches a line cut short by truncation.
    public int MinFields => 44;
    public int FieldCount => 45;
    public int Division => 2;        // 診療識別
    public int BurdenClass => 3;     // 負担区分
    public int Code => 4;            // コード
    public int Quantity => 5;        // 数量データ
    public int Points => 6;          // 点数 (on the last line of a group only; 訪問看護: 金額)
    public int Times => 7;           // 回数
    public int FirstDay => 14;       // 算定日 day 1 (day 31 is field 44)
}
