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

    public static byte[] MakeVariant(byte[] sample, int variant)
    {
        var (isUtf8, start) = InputText.Detect(sample);
        var text = (isUtf8 ? Encoding.UTF8 : InputText.ShiftJis).GetString(sample, start, sample.Length - start);
        var output = new StringBuilder(text.Length + 1024);
        var receipt = 0;
        foreach (var line in text.Split(["\r\n", "\n", "\r"], StringSplitOptions.None))
        {
            if (line.Length == 0) continue;
            var fields = line.Split(',');
            switch (fields[0])
            {
                case "IR":
                    fields[UkeLayout.IR.ProviderCode - 1] = (variant % 10_000_000).ToString("D7");
                    break;
                case "RE":
                    receipt++;
                    break;
                case "HO":
                    fields[UkeLayout.HO.InsurerNo - 1] = Insurers[(variant + receipt) % Insurers.Length];
                    fields[UkeLayout.HO.Symbol - 1] = $"V{variant}";
                    fields[UkeLayout.HO.Number - 1] = receipt.ToString();
                    break;
                case "KO":
                    // 公費単独 receipts are keyed by the recipient number: make it unique per variant too.
                    fields[UkeLayout.KO.RecipientNo - 1] = $"{variant:D5}{receipt:D3}";
                    break;
            }
            output.Append(string.Join(',', fields)).Append("\r\n");
        }
        return InputText.ShiftJis.GetBytes(output.ToString());
    }
}
