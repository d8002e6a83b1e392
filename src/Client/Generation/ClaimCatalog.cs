namespace Shinsa.Client.Generation;

/// <summary>
/// The codes the generator bills with, with their points. Real master codes where the shared samples have them
/// (ガスター散, the 医科 basics, the sample's diseases); the others are Shinsa test codes in the official code format.
/// The bundled master subset (src/Silo/Masters) defines every code here, with the generic flags, 薬価基準 codes and
/// ICD-10 codes the checks read; a test keeps the two in step.
/// </summary>
public static class ClaimCatalog
{
    public sealed record Procedure(string Code, string Name, int Points, string Division);
    /// <summary>A drug; <see cref="PriceListCode"/> is the 薬価基準収載医薬品コード, whose first 7 characters name the ingredient.</summary>
    public sealed record Drug(string Code, string Name, int PointsPerDay, bool Generic, string PriceListCode);
    public sealed record Disease(string Code, string Name, string Icd10);

    // 医科
    public static readonly Procedure FirstVisit = new("111000110", "初診料", 288, "11");
    public static readonly Procedure Revisit = new("112007410", "再診料", 73, "12");
    public static readonly Procedure OutpatientCare = new("112011310", "外来管理加算", 52, "12");
    public static readonly Procedure Prescription = new("120002910", "処方箋料（その他）", 68, "80");
    public static readonly Procedure UrineTest = new("160000310", "尿中一般物質定性半定量検査", 26, "60");
    public static readonly Procedure BloodTest = new("160008010", "末梢血液一般検査", 21, "60");
    public static readonly Procedure Admission = new("190077410", "急性期一般入院料１", 1_650, "90");
    /// <summary>A surgery large enough that a stay with it reaches 審査専門部会 (ROUTE; Shinsa test code).</summary>
    public static readonly Procedure HipReplacement = new("150208110", "人工関節置換術（股）", 37_690, "50");

    // 歯科 (SS 歯科診療行為)
    public static readonly Procedure DentalFirstVisit = new("301000110", "歯科初診料", 267, "11");
    public static readonly Procedure DentalRevisit = new("301001610", "歯科再診料", 58, "12");
    public static readonly Procedure[] DentalTreatments =
    [
        new("309000110", "う蝕処置", 18, "40"),
        new("309002110", "歯周基本治療（スケーリング）", 72, "40"),
        new("310000110", "抜歯手術（前歯）", 160, "50"),
        new("313000710", "充填（単純なもの）", 106, "40"),
        new("302000110", "歯科疾患管理料", 100, "13"),
    ];

    // 調剤 (CZ 調剤行為)
    public static readonly Procedure DispensingBase = new("451000110", "調剤基本料１", 45, "01");
    public static readonly Procedure Compounding = new("452000110", "薬剤調製料（内服薬）", 24, "02");
    public static readonly Procedure MedicationGuidance = new("453000110", "服薬管理指導料", 45, "03");

    // 訪問看護 (KA 訪問看護療養費; amounts are yen ÷ 10, see UkeLayout.VisitingNursing)
    public static readonly Procedure NursingVisit = new("601000110", "訪問看護基本療養費（Ⅰ）", 555, "01");
    public static readonly Procedure NursingManagement = new("602000110", "訪問看護管理療養費（月の初日）", 767, "02");

    /// <summary>Brand (先発) and generic pairs of one ingredient, so 後発医薬品使用割合 has both sides.</summary>
    public static readonly Drug[] Drugs =
    [
        new("610406079", "ガスター散２％", 3, false, "2325003B2029"),
        new("620406001", "ファモチジン散２％「シンサ」", 2, true, "2325003B2037"),
        new("610421001", "ノルバスク錠５ｍｇ", 3, false, "2171022F2025"),
        new("620421002", "アムロジピン錠５ｍｇ「シンサ」", 1, true, "2171022F2033"),
        new("610432001", "メトグルコ錠２５０ｍｇ", 2, false, "3962002F1024"),
        new("620432002", "メトホルミン塩酸塩錠２５０ｍｇ「シンサ」", 1, true, "3962002F1032"),
        new("610443001", "ロキソニン錠６０ｍｇ", 3, false, "1149019F1021"),
        new("620443002", "ロキソプロフェンＮａ錠６０ｍｇ「シンサ」", 1, true, "1149019F1030"),
        new("610454001", "ムコスタ錠１００ｍｇ", 3, false, "2329021F1021"),
        new("620454002", "レバミピド錠１００ｍｇ「シンサ」", 2, true, "2329021F1030"),
        new("610465001", "ジャヌビア錠５０ｍｇ", 11, false, "3969010F1022"), // no generic: outside the 後発 denominator
    ];

    public const string HypertensionCode = "8833421";
    public const string DiabetesCode = "2500013";
    public const string InjuryCode = "9599001";
    public const string StomachUlcerCode = "5329005";
    public const string ColdCode = "4659007";

    public static readonly Disease[] Diseases =
    [
        new("8833421", "高血圧症", "I10"),
        new("2500013", "２型糖尿病", "E119"),
        new("4659007", "急性上気道炎", "J069"),
        new("9599001", "外傷", "T141"),
        new("4375001", "もやもや病", "I675"),
        new("5329005", "胃潰瘍", "K259"),
    ];

    public static readonly Disease[] DentalDiseases =
    [
        new("5210001", "う蝕", "K029"),
        new("5231001", "慢性歯周炎", "K053"),
        new("5220001", "歯髄炎", "K040"),
    ];

    public static readonly Disease[] NursingDiseases =
    [
        new("4349001", "脳梗塞後遺症", "I693"),
        new("2900001", "認知症", "F03"),
    ];
}
