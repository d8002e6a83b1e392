using System.Globalization;
using System.Text;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Text;
using L = Shinsa.Ingestion.Uke.MedicalUkeLayout;

namespace Shinsa.Ingestion.Uke;

/// <summary>
/// Writes receipts as a 医科 claim file (Shift_JIS, CRLF), with the field positions of <see cref="MedicalUkeLayout"/>,
/// so what the generator writes is what the parser reads. Names are not kept by the domain, so the writer fills
/// placeholders the way test data does.
/// </summary>
public static class MedicalUkeWriter
{
    public sealed record Provider(string Code, string PrefectureCode, string Name, YearMonth BillingMonth, int Payer = 2);

    public static byte[] Write(Provider provider, IReadOnlyList<Receipt> receipts)
    {
        var sb = new StringBuilder(receipts.Count * 600);
        Line(sb, "IR", 10, (L.IR.Payer, provider.Payer.ToString()), (L.IR.Prefecture, provider.PrefectureCode), (L.IR.PointTable, "1"),
            (L.IR.ProviderCode, provider.Code), (L.IR.Name, provider.Name), (L.IR.BillingMonth, Month(provider.BillingMonth)), (9, "00"));
        foreach (var r in receipts)
        {
            Line(sb, "RE", 38, (L.RE.ReceiptNo, r.Key.ReceiptNo.ToString()), (L.RE.ReceiptType, r.ReceiptType), (L.RE.ServiceMonth, Month(r.ServiceMonth)),
                (L.RE.Name, "シンサ　タロウ"), (L.RE.Sex, r.Sex.ToString()), (L.RE.BirthDate, r.BirthDate.ToString()),
                (L.RE.BenefitRatio, r.BenefitRatio?.ToString() ?? ""), (L.RE.AdmissionDate, r.AdmissionDate?.ToString() ?? ""),
                (L.RE.SpecialNotes, r.SpecialNotes ?? ""), (L.RE.KanaName, r.KanaName ?? ""));
            if (r.Card.Symbol.Length > 0 || r.PublicExpenses.IsEmpty || r.Card.InsurerNo != r.PublicExpenses[0].PayerNo)
                Line(sb, "HO", 15, (L.HO.InsurerNo, r.Card.InsurerNo), (L.HO.Symbol, r.Card.Symbol), (L.HO.Number, r.Card.Number),
                    (L.HO.Days, r.Days.ToString()), (L.HO.TotalPoints, r.DeclaredPoints.ToString()), (L.HO.CopayYen, r.CopayYen?.ToString() ?? ""));
            foreach (var k in r.PublicExpenses)
                Line(sb, "KO", 12, (L.KO.PayerNo, k.PayerNo), (L.KO.RecipientNo, k.RecipientNo ?? ""), (L.KO.Days, k.Days?.ToString() ?? ""),
                    (L.KO.TotalPoints, k.Points?.ToString() ?? ""), (L.KO.PaidYen, k.PaidYen?.ToString() ?? ""));
            if (r.Branch is { } branch)
                Line(sb, "SN", 9, (2, "1"), (3, "01"), (4, r.Card.InsurerNo), (5, r.Card.Symbol), (6, r.Card.Number), (L.SN.Branch, branch));
            foreach (var d in r.Diagnoses)
                Line(sb, "SY", 8, (L.SY.Code, d.Code), (L.SY.StartDate, d.StartDate?.ToString() ?? ""), (L.SY.Outcome, d.Outcome == 0 ? "" : d.Outcome.ToString()),
                    (L.SY.Primary, d.IsPrimary ? "01" : ""));
            foreach (var l in r.Lines)
            {
                var fields = new List<(int, string)>
                {
                    (L.Line.Division, l.Division ?? ""), (L.Line.BurdenClass, "1"), (L.Line.Code, l.Code),
                    (L.Line.Quantity, l.Quantity?.ToString(CultureInfo.InvariantCulture) ?? ""), (L.Line.Points, l.Points?.ToString() ?? ""),
                    (L.Line.Times, l.Times.ToString()),
                };
                for (var day = 1; day <= 31; day++)
                    if ((l.DayMask & (1u << (day - 1))) != 0) fields.Add((L.Line.FirstDay + day - 1, "1"));
                Line(sb, l.Kind switch { LineKind.Procedure => "SI", LineKind.Drug => "IY", _ => "TO" }, 45, [.. fields]);
            }
        }
        Line(sb, "GO", 4, (L.GO.Count, receipts.Count.ToString()), (L.GO.TotalPoints, receipts.Sum(r => (long)r.DeclaredPoints).ToString()), (4, "99"));
        return InputText.ShiftJis.GetBytes(sb.ToString());
    }

    private static string Month(YearMonth m) => $"{m.Year:D4}{m.Month:D2}";

    private static void Line(StringBuilder sb, string record, int fieldCount, params (int Field, string Value)[] values)
    {
        var fields = new string[fieldCount];
        Array.Fill(fields, "");
        fields[0] = record;
        foreach (var (field, value) in values) fields[field - 1] = value;
        sb.AppendJoin(',', fields).Append("\r\n");
    }
}
