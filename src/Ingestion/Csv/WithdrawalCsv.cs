using Shinsa.Grains.Records;

namespace Shinsa.Ingestion.Csv;

/// <summary>
/// 取下げ (POST /api/v1/withdrawals), Shinsa's own contract: the receipt's identity (医療機関コード, 請求年月,
/// レセプト番号) and the card it was billed on, which routes the withdrawal to the household holding the receipt.
/// </summary>
public static class WithdrawalCsv
{
    public static readonly string[] Columns = ["provider_code", "billing_month", "receipt_no", "insurer_no", "card_symbol", "card_number"];

    public static CsvParseResult<ReceiptWithdrawn> Parse(byte[] bytes, string fileName) => CsvContract.Parse(bytes, fileName, Columns, row =>
        new ReceiptWithdrawn(new HouseholdCard(row.Digits("insurer_no", 6, 8), row.Text("card_symbol"), row.Required("card_number")),
            new ReceiptKey(row.Digits("provider_code", 7), row.Month("billing_month"), row.Int("receipt_no", 1))));

    public static byte[] Write(IEnumerable<ReceiptWithdrawn> withdrawals) => CsvContract.Write(Columns, withdrawals, w =>
        [w.Key.ProviderCode, w.Key.BillingMonth.ToString(), w.Key.ReceiptNo.ToString(), w.ReceiptCard.InsurerNo, w.ReceiptCard.Symbol, w.ReceiptCard.Number]);
}
