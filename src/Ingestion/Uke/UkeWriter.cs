using System.Globalization;
using System.Text;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Text;
using L = Shinsa.Ingestion.Uke.UkeLayout;

namespace Shinsa.Ingestion.Uke;

/// <summary>
/// Writes receipts as a claim file (Shift_JIS, CRLF) of any 点数表, with the field positions of <see cref="UkeLayout"/>,
/// so what the generator writes is what the parser reads. Names are not kept by the domain, so the writer fills
/// placeholders the way test data does.
/// </summary>
public static class UkeWriter
{
    public sealed record Provider(ClaimKind Kind, string Code, string PrefectureCode, string Name, YearMonth BillingMonth, int Payer = 2);

    public static byte[] Write(Provider provider, IReadOnlyList<Receipt> receipts)
    {
        var layout = L.For(provider.Kind);
        var re = layout.RE;
        // 訪問看護 writes yen where the others write points (see UkeLayout.VisitingNursing).
        var scale = layout.AmountsInYen ? 10 : 1;
        string Amount(int? points) => points is { } p ? (p * scale).ToString(CultureInfo.InvariantCulture) : "";

        var sb = new StringBuilder(receipts.Count * 600);
        Line(sb, "IR", L.IR.FieldCount, (L.IR.Payer, provider.Payer.ToString()), (L.IR.Prefecture, provider.PrefectureCode),
            (L.IR.PointTable, ((int)provider.Kind).ToString()), (L.IR.ProviderCode, provider.Code), (L.IR.Name, provider.Name),
            (L.IR.BillingMonth, Month(provider.BillingMonth)), (9, "00"));
        foreach (var r in receipts)
        {
            var fields = new List<(int, string)>
            {
                (re.ReceiptNo, r.Key.ReceiptNo.ToString()), (re.ReceiptType, r.ReceiptType), (re.ServiceMonth, Month(r.ServiceMonth)),
                (re.Name, "シンサ　タロウ"), (re.Sex, r.Sex.ToString()), (re.BirthDate, r.BirthDate.ToString()),
                (re.BenefitRatio, r.BenefitRatio?.ToString() ?? ""), (re.SpecialNotes, r.SpecialNotes ?? ""), (re.KanaName, r.KanaName ?? ""),
            };
            if (re.AdmissionDate is { } admission) fields.Add((admission, r.AdmissionDate?.ToString() ?? ""));
            if (re.PrescriberCode is { } prescriber)
            {
                fields.Add((prescriber, r.PrescriberCode ?? ""));
                fields.Add((re.PrescriberPrefecture!.Value, provider.PrefectureCode));
                fields.Add((re.PrescriberPointTable!.Value, "1"));
            }
            Line(sb, "RE", re.FieldCount, [.. fields]);
            if (r.Card.Symbol.Length > 0 || r.PublicExpenses.IsEmpty || r.Card.InsurerNo != r.PublicExpenses[0].PayerNo)
                Line(sb, "HO", L.HO.FieldCount, (L.HO.InsurerNo, r.Card.InsurerNo), (L.HO.Symbol, r.Card.Symbol), (L.HO.Number, r.Card.Number),
                    (L.HO.Days, r.Days.ToString()), (L.HO.TotalPoints, Amount(r.DeclaredPoints)), (L.HO.CopayYen, r.CopayYen?.ToString() ?? ""));
            foreach (var k in r.PublicExpenses)
                Line(sb, "KO", L.KO.FieldCount, (L.KO.PayerNo, k.PayerNo), (L.KO.RecipientNo, k.RecipientNo ?? ""), (L.KO.Days, k.Days?.ToString() ?? ""),
                    (L.KO.TotalPoints, Amount(k.Points)), (L.KO.PaidYen, k.PaidYen?.ToString() ?? ""));
            if (r.Branch is { } branch)
                Line(sb, "SN", L.SN.FieldCount, (2, "1"), (3, "01"), (4, r.Card.InsurerNo), (5, r.Card.Symbol), (6, r.Card.Number), (L.SN.Branch, branch));
            if (layout.Diagnosis is { } d)
                foreach (var x in r.Diagnoses)
                    Line(sb, d.Record, d.FieldCount, (d.Code, x.Code), (d.StartDate, x.StartDate?.ToString() ?? ""),
                        (d.Outcome, x.Outcome == 0 ? "" : x.Outcome.ToString()), (d.Primary, x.IsPrimary ? "01" : ""));
            foreach (var x in r.Lines)
            {
                var l = layout.Lines.First(l => l.Kind == x.Kind);
                var line = new List<(int, string)>
                {
                    (l.Division, x.Division ?? ""), (l.BurdenClass, "1"), (l.Code, x.Code),
                    (l.Quantity, x.Quantity?.ToString(CultureInfo.InvariantCulture) ?? ""), (l.Points, Amount(x.Points)),
                    (l.Times, x.Times.ToString()),
                };
                for (var day = 1; day <= 31; day++)
                    if ((x.DayMask & (1u << (day - 1))) != 0) line.Add((l.FirstDay + day - 1, "1"));
                Line(sb, l.Record, l.FieldCount, [.. line]);
            }
        }
        Line(sb, "GO", L.GO.FieldCount, (L.GO.Count, receipts.Count.ToString()),
            (L.GO.TotalPoints, receipts.Sum(r => (long)r.DeclaredPoints * scale).ToString()), (4, "99"));
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
