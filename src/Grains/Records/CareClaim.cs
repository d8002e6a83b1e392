namespace Shinsa.Grains.Records;

/// <summary>
/// A 介護給付費 claim line: one service type of one insured person at one 事業所 in a month. Carries the care card
/// (介護保険 被保険者番号), not the medical one; ingestion resolves it to the person's household through eligibility.
/// </summary>
public sealed record CareClaim(
    string InsurerNo,         // 介護保険者番号 (6 digits)
    string InsuredNo,         // 被保険者番号 (10 digits)
    string ProviderNo,        // 事業所番号 (10 digits)
    YearMonth ServiceMonth,
    string ServiceType,       // サービス種類コード (2 digits)
    uint DayMask,             // service days, bit d-1 for day d
    int Units,                // 単位数
    decimal UnitPriceYen,     // 単位数単価 (10.00–11.40 by area and service)
    int BenefitPct,           // 給付率 70 | 80 | 90
    int CopayYen,             // 利用者負担額
    int SourceLine);
