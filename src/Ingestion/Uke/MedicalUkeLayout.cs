namespace Shinsa.Ingestion.Uke;

/// <summary>
/// Every field position the 医科 UKE parser reads (レセプト電算処理システム 記録条件仕様, 医科用; 1-based field numbers,
/// field 1 is the record identifier). Corrections to the layout belong here and nowhere else.
/// </summary>
public static class MedicalUkeLayout
{
    /// <summary>A line longer than this is refused without decoding it (real records are well under 2 KB).</summary>
    public const int MaxLineBytes = 64 * 1024;

    public static class IR // 医療機関情報
    {
        public const int MinFields = 8;
        public const int Payer = 2;          // 審査支払機関 (1 社保, 2 国保)
        public const int Prefecture = 3;     // 都道府県
        public const int PointTable = 4;     // 点数表 (1 医科, 3 歯科, 4 調剤, 6 訪問看護)
        public const int ProviderCode = 5;   // 医療機関コード (7)
        public const int Name = 7;           // 名称 (not kept)
        public const int BillingMonth = 8;   // 請求年月 (YYYYMM; GYYMM in older files)
    }

    public static class RE // レセプト共通
    {
        public const int MinFields = 8;
        public const int ReceiptNo = 2;      // レセプト番号
        public const int ReceiptType = 3;    // レセプト種別 (4 digits)
        public const int ServiceMonth = 4;   // 診療年月
        public const int Name = 5;           // 氏名 (not kept)
        public const int Sex = 6;            // 男女区分
        public const int BirthDate = 7;      // 生年月日
        public const int BenefitRatio = 8;   // 給付割合
        public const int AdmissionDate = 9;  // 入院年月日
        public const int SpecialNotes = 12;  // レセプト特記事項
        public const int KanaName = 37;      // カナ氏名
    }

    public static class HO // 保険者
    {
        public const int MinFields = 12;
        public const int InsurerNo = 2;      // 保険者番号
        public const int Symbol = 3;         // 被保険者証等の記号
        public const int Number = 4;         // 被保険者証等の番号
        public const int Days = 5;           // 診療実日数
        public const int TotalPoints = 6;    // 合計点数
        public const int CopayYen = 12;      // 負担金額 医療保険
    }

    public static class KO // 公費
    {
        public const int MinFields = 7;
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
        public const int Branch = 7;
    }

    public static class SY // 傷病名
    {
        public const int MinFields = 7;
        public const int Code = 2;           // 傷病名コード (0000999 = 未コード化)
        public const int StartDate = 3;      // 診療開始日
        public const int Outcome = 4;        // 転帰区分 (1 継続, 2 治ゆ, 3 死亡, 4 中止)
        public const int Name = 6;           // 傷病名称 (未コード化 only; not kept)
        public const int Primary = 7;        // 主傷病
    }

    /// <summary>SI 診療行為, IY 医薬品, TO 特定器材 share these positions.</summary>
    public static class Line
    {
        // The 算定日 fields are part of the fixed layout; requiring them catches a line cut short by truncation.
        public const int MinFields = 44;
        public const int Division = 2;       // 診療識別
        public const int BurdenClass = 3;    // 負担区分
        public const int Code = 4;           // コード
        public const int Quantity = 5;       // 数量データ
        public const int Points = 6;         // 点数 (on the last line of a group only)
        public const int Times = 7;          // 回数
        public const int FirstDay = 14;      // 算定日 day 1
        public const int LastDay = 44;       // 算定日 day 31
    }

    public static class GO // 診療報酬請求書 合計
    {
        public const int MinFields = 3;
        public const int Count = 2;          // 総件数
        public const int TotalPoints = 3;    // 総合計点数
    }

    /// <summary>Records that may appear inside a receipt and carry nothing the checks need.</summary>
    public static readonly HashSet<string> Ignored =
    [
        "CO", "SJ", "KH", "GR", "TI", "TR", "TS", "JD", "MF", "NI", "SK", "CD", "GA", "HH", "GT", "BU", "SB", "KK", "GK", "RC", "TK",
    ];
}
