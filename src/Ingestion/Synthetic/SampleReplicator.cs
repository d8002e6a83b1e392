using System.Text;
using Shinsa.Ingestion.Text;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Ingestion.Synthetic;

/// <summary>
/// Makes many distinct claim files from one real file, for crash tests and the ingest benchmark: variant n gets its
/// own 医療機関コード, and every receipt its own household card, so variants never share a receipt or a household.
/// Totals stay consistent because no point or line changes. Output is Shift_JIS with CRLF, like the original.
/// </summary>
public static class SampleReplicator
{
    /// <summary>The insurer numbers receipts are spread over (国保 style, 6 digits), so per-insurer KPIs are non-trivial.</summary>
    public static readonly string[] Insurers = ["040014", "040022", "040030", "040048"];

    /// <summary>
    /// Variant <paramref name="variant"/> of the sample, with its receipts <paramref name="copies"/> times over (the file
    /// of a larger provider): past the first copy the receipts are renumbered, each still gets its own card, and GO's
    /// count and total grow with the copies.
    /// </summary>
    public static byte[] MakeVariant(byte[] sample, int variant, int copies = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        var (isUtf8, start) = InputText.Detect(sample);
        var text = (isUtf8 ? Encoding.UTF8 : InputText.ShiftJis).GetString(sample, start, sample.Length - start);
        var lines = text.Split(["\r\n", "\n", "\r"], StringSplitOptions.None).Where(l => l.Length > 0).ToList();
        // The receipts run from the first RE up to GO: they repeat, the IR before them and the GO after them do not.
        var firstReceipt = lines.FindIndex(l => l.StartsWith("RE,", StringComparison.Ordinal));
        var total = lines.FindIndex(l => l.StartsWith("GO,", StringComparison.Ordinal));
        if (firstReceipt < 0) firstReceipt = lines.Count;
        if (total < firstReceipt) total = lines.Count;
        var receiptLines = lines.GetRange(firstReceipt, total - firstReceipt);

        var output = new StringBuilder((text.Length + 1024) * copies);
        var receipt = 0;
        void Append(string line)
        {
            var fields = line.Split(',');
            switch (fields[0])
            {
                case "IR":
                    fields[UkeLayout.IR.ProviderCode - 1] = (variant % 10_000_000).ToString("D7");
                    break;
                case "RE":
                    receipt++;
                    if (copies > 1) fields[UkeLayout.Medical.RE.ReceiptNo - 1] = receipt.ToString();
                    break;
                case "HO":
                    fields[UkeLayout.HO.InsurerNo - 1] = Insurers[(variant + receipt) % Insurers.Length];
                    fields[UkeLayout.HO.Symbol - 1] = $"V{variant}";
                    fields[UkeLayout.HO.Number - 1] = receipt.ToString();
                    break;
                case "KO":
                    // 公費単独 receipts are keyed by the recipient number: make it unique per variant too.
                    fields[UkeLayout.KO.RecipientNo - 1] = RecipientNo(variant, receipt);
                    break;
                case "GO" when copies > 1:
                    foreach (var field in new[] { UkeLayout.GO.Count, UkeLayout.GO.TotalPoints })
                        if (long.TryParse(fields[field - 1], out var value)) fields[field - 1] = (value * copies).ToString();
                    break;
            }
            output.Append(string.Join(',', fields)).Append("\r\n");
        }

        foreach (var line in lines.Take(firstReceipt)) Append(line);
        for (var copy = 0; copy < copies; copy++) receiptLines.ForEach(Append);
        foreach (var line in lines.Skip(total)) Append(line);
        return InputText.ShiftJis.GetBytes(output.ToString());
    }

    /// <summary>
    /// The 公費受給者番号 of a variant's receipt, digits only and different for every (variant, receipt): the variant's
    /// digit count leads, so no two pairs give the same digits. (Padded numbers side by side collided once one outgrew
    /// its padding: variant 100001, receipt 234 and variant 10000, receipt 1234 both gave 100001234.)
    /// </summary>
    public static string RecipientNo(int variant, int receipt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(variant);
        ArgumentOutOfRangeException.ThrowIfNegative(receipt);
        var digits = variant.ToString();
        return $"{digits.Length:D2}{digits}{receipt}";
    }
}
