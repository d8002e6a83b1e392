namespace Shinsa.Client.Generation;

/// <summary>
/// The codes the generator bills with (医科 診療行為, 医薬品, 傷病名), with their points. They are real master codes
/// where the shared samples have them; the bundled master subset must cover every code here.
/// </summary>
public static class ClaimCatalog
{
    public sealed record Procedure(string Code, int Points, string Division);
    public sealed record Drug(string Code, int PointsPerDay, bool Generic);
    public sealed record Disease(string Code, string Group);

    public static readonly Procedure FirstVisit = new("111000110", 288, "11");      // 初診料
    public static readonly Procedure Revisit = new("112007410", 73, "12");          // 再診料
    public static readonly Procedure OutpatientCare = new("112011310", 52, "12");   // 外来管理加算
    public static readonly Procedure Prescription = new("120002910", 68, "80");     // 処方箋料
    public static readonly Procedure UrineTest = new("160000310", 26, "60");        // 尿中一般物質定性半定量検査
    public static readonly Procedure BloodTest = new("160008010", 11, "60");        // 末梢血液一般検査
    public static readonly Procedure Admission = new("190077410", 1_650, "90");     // 入院基本料 (per day)

    public static readonly Drug[] Drugs =
    [
        new("610406079", 3, false), // ガスター散２％ (from the master sample)
        new("620098801", 1, true),
        new("611170005", 2, false),
        new("622265501", 11, true),
        new("620003855", 10, false),
    ];

    public static readonly Disease[] Diseases =
    [
        new("8833421", "hypertension"), // 高血圧症
        new("2500013", "diabetes"),     // 2型糖尿病 (sample code)
        new("4659007", "other"),        // 急性上気道炎
        new("9599001", "injury"),       // 外傷 (master sample)
        new("4375001", "other"),        // もやもや病 (master sample)
        new("5329005", "other"),        // 胃潰瘍
    ];
}
