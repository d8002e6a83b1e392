namespace Shinsa.Grains.Records;

/// <summary>特定健診 results of one person; a measurement not taken is null.</summary>
public sealed record Checkup(
    HouseholdCard Card,
    string Branch,            // 枝番
    int ExamDate,             // YYYYMMDD
    decimal? HbA1c,           // %
    int? FastingGlucose,      // 空腹時血糖 mg/dL
    int? Sbp,                 // 収縮期血圧 mmHg
    int? Dbp,                 // 拡張期血圧 mmHg
    decimal? Egfr,            // mL/min/1.73m²
    int? Ldl,                 // LDL コレステロール mg/dL
    decimal? Bmi,
    decimal? Waist,           // 腹囲 cm
    int SourceLine);
