using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Csv;

/// <summary>
/// 介護給付費 withdrawals (取下げ; POST /api/v1/care-claim-withdrawals), Shinsa's own contract: the key of the claim as
/// <see cref="CareClaimCsv"/> gave it (保険者番号, 被保険者番号, 事業所番号, サービス提供年月, サービス種類コード).
/// The care card identifies the person, and the withdrawal goes to the household the claim went to.
/// </summary>
public static class CareClaimWithdrawalCsv
{
    public static readonly string[] Columns = ["insurer_no", "insured_no", "provider_no", "service_month", "service_type"];

    public static CsvParseResult<CareClaimWithdrawn> Parse(byte[] bytes, string fileName) => CsvContract.Parse(bytes, fileName, Columns, row =>
        new CareClaimWithdrawn(HouseholdCard.Unresolved, row.Digits("insurer_no", 6), row.Digits("insured_no", 10), row.Digits("provider_no", 10),
            row.Month("service_month"), row.Digits("service_type", 2)));

    public static byte[] Write(IEnumerable<CareClaimWithdrawn> withdrawals) => CsvContract.Write(Columns, withdrawals, w =>
        [w.InsurerNo, w.InsuredNo, w.ProviderNo, w.ServiceMonth.ToString(), w.ServiceType]);
}
