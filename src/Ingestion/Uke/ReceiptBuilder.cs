using System.Collections.Immutable;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Text;
using L = Shinsa.Ingestion.Uke.UkeLayout;

namespace Shinsa.Ingestion.Uke;

/// <summary>Collects the records of one receipt (RE up to the next RE or GO); the first bad line rejects it.</summary>
internal sealed class ReceiptBuilder(UkeParser.Header header, int reLine)
{
    private readonly KindLayout _layout = UkeLayout.For(header.Kind);
    private string? _prescriber;
    private int _receiptNo;
    private string _type = "";
    private YearMonth _serviceMonth;
    private byte _sex;
    private int _birthDate;
    private int? _benefitRatio;
    private int? _admissionDate;
    private string? _specialNotes;
    private string? _kana;
    private string? _branch;
    private (string InsurerNo, string Symbol, string Number, int Days, int Points, int? Copay)? _ho;
    private readonly List<PublicExpense> _kohi = new();
    private readonly List<Diagnosis> _diagnoses = new();
    private readonly List<ServiceLine> _lines = new();

    public string? Error { get; private set; }
    public int ErrorLine { get; private set; }

    public void Reject(int line, string reason)
    {
        if (Error is not null) return; // the first problem is the one to fix
        Error = reason;
        ErrorLine = line;
    }

    private bool Require(int line, string record, CsvFields f, int minFields)
    {
        if (f.Count >= minFields) return true;
        Reject(line, $"{record} has {f.Count} fields, expected at least {minFields} (line cut short?)");
        return false;
    }

    private bool Int(int line, string record, CsvFields f, int field, string name, out int value, bool required = true)
    {
        value = 0;
        if (f.IsEmpty(field))
        {
            if (required) Reject(line, $"{record} field {field} {name} is empty");
            return !required;
        }
        if (f.TryInt(field, out value) && value >= 0) return true;
        Reject(line, $"{record} field {field} {name}: '{UkeParser.Shorten(f[field])}' is not a number");
        return false;
    }

    /// <summary>A 点数 field; 訪問看護 writes yen, held as points (yen ÷ 10) so 費用額 is points × 10 for every kind.</summary>
    private bool Amount(int line, string record, CsvFields f, int field, string name, out int points)
    {
        if (!Int(line, record, f, field, name, out points)) return false;
        if (!_layout.AmountsInYen) return true;
        if (points % 10 != 0)
        {
            Reject(line, $"{record} field {field} {name}: {points} yen is not a multiple of 10 (訪問看護療養費 are in 10-yen units)");
            return false;
        }
        points /= 10;
        return true;
    }

    public void ReadRE(CsvFields f)
    {
        const string R = "RE";
        var re = _layout.RE;
        if (!Require(reLine, R, f, re.MinFields)) return;
        if (!Int(reLine, R, f, re.ReceiptNo, "レセプト番号", out _receiptNo)) return;
        _type = f.Text(re.ReceiptType);
        if (_type.Length != 4 || !_type.All(char.IsAsciiDigit) || _type[0] - '0' != (int)header.Kind)
        {
            Reject(reLine, $"RE field {re.ReceiptType} レセプト種別: '{UkeParser.Shorten(_type)}' is not a {_layout.Name} type (4 digits starting with {(int)header.Kind})");
            return;
        }
        if (!UkeDates.TryMonth(f[re.ServiceMonth], out _serviceMonth))
        {
            Reject(reLine, $"RE field {re.ServiceMonth} 診療年月: '{UkeParser.Shorten(f[re.ServiceMonth])}' is not YYYYMM");
            return;
        }
        if (!f.TryInt(re.Sex, out var sex) || sex is not (1 or 2))
        {
            Reject(reLine, $"RE field {re.Sex} 男女区分: '{UkeParser.Shorten(f[re.Sex])}' is not 1 or 2");
            return;
        }
        _sex = (byte)sex;
        if (!UkeDates.TryDate(f[re.BirthDate], out _birthDate))
        {
            Reject(reLine, $"RE field {re.BirthDate} 生年月日: '{UkeParser.Shorten(f[re.BirthDate])}' is not a date");
            return;
        }
        if (!f.IsEmpty(re.BenefitRatio))
        {
            if (!Int(reLine, R, f, re.BenefitRatio, "給付割合", out var ratio)) return;
            _benefitRatio = ratio;
        }
        if (re.AdmissionDate is { } admissionField && !f.IsEmpty(admissionField))
        {
            if (!UkeDates.TryDate(f[admissionField], out var admitted))
            {
                Reject(reLine, $"RE field {admissionField} 入院年月日: '{UkeParser.Shorten(f[admissionField])}' is not a date");
                return;
            }
            _admissionDate = admitted;
        }
        if (re.PrescriberCode is { } prescriberField)
        {
            var prescriber = f.Text(prescriberField);
            if (prescriber.Length != 7 || !prescriber.All(char.IsAsciiDigit))
            {
                Reject(reLine, $"RE field {prescriberField} 処方 医療機関コード: '{UkeParser.Shorten(prescriber)}' is not 7 digits");
                return;
            }
            _prescriber = prescriber;
        }
        _specialNotes = f.OptionalText(re.SpecialNotes);
        _kana = f.OptionalText(re.KanaName);
    }

    public void Read(int line, string record, CsvFields f)
    {
        if (Error is not null) return;
        switch (record)
        {
            case "HO": ReadHO(line, f); break;
            case "KO": ReadKO(line, f); break;
            case "SN": _branch = f.OptionalText(L.SN.Branch); break;
            default:
                if (_layout.Line(record) is { } lineLayout) ReadLine(line, lineLayout, f);
                else ReadDiagnosis(line, _layout.Diagnosis!, f);
                break;
        }
    }

    private void ReadHO(int line, CsvFields f)
    {
        const string R = "HO";
        if (!Require(line, R, f, L.HO.MinFields)) return;
        if (_ho is not null) { Reject(line, "a second HO record in one receipt"); return; }
        var insurer = f.Text(L.HO.InsurerNo);
        if (insurer.Length is not (6 or 8) || !insurer.All(char.IsAsciiDigit))
        {
            Reject(line, $"HO field {L.HO.InsurerNo} 保険者番号: '{UkeParser.Shorten(insurer)}' is not 6 or 8 digits");
            return;
        }
        if (!Int(line, R, f, L.HO.Days, "診療実日数", out var days, required: false)) return;
        if (!Amount(line, R, f, L.HO.TotalPoints, "合計点数", out var points)) return;
        int? copay = null;
        if (!f.IsEmpty(L.HO.CopayYen))
        {
            if (!Int(line, R, f, L.HO.CopayYen, "負担金額", out var c)) return;
            copay = c;
        }
        _ho = (insurer, f.Text(L.HO.Symbol), f.Text(L.HO.Number), days, points, copay);
    }

    private void ReadKO(int line, CsvFields f)
    {
        const string R = "KO";
        if (!Require(line, R, f, L.KO.MinFields)) return;
        var payer = f.Text(L.KO.PayerNo);
        if (payer.Length != 8 || !payer.All(char.IsAsciiDigit))
        {
            Reject(line, $"KO field {L.KO.PayerNo} 公費負担者番号: '{UkeParser.Shorten(payer)}' is not 8 digits");
            return;
        }
        int? Optional(int field, string name, out bool ok)
        {
            ok = true;
            if (f.IsEmpty(field)) return null;
            ok = Int(line, R, f, field, name, out var v);
            return v;
        }
        var days = Optional(L.KO.Days, "実日数", out var ok1);
        int? points = null;
        var ok2 = true;
        if (!f.IsEmpty(L.KO.TotalPoints))
        {
            ok2 = Amount(line, R, f, L.KO.TotalPoints, "合計点数", out var p);
            points = p;
        }
        var paid = Optional(L.KO.PaidYen, "公費負担金額", out var ok3);
        if (!(ok1 && ok2 && ok3)) return;
        _kohi.Add(new PublicExpense(payer, f.OptionalText(L.KO.RecipientNo), days, points, paid));
    }

    private void ReadDiagnosis(int line, DiagnosisLayout d, CsvFields f)
    {
        var R = d.Record;
        if (!Require(line, R, f, d.MinFields)) return;
        var code = f.Text(d.Code);
        if (code.Length == 0) { Reject(line, $"{R} field {d.Code} 傷病名コード is empty"); return; }
        int? start = null;
        if (!f.IsEmpty(d.StartDate))
        {
            if (!UkeDates.TryDate(f[d.StartDate], out var date))
            {
                Reject(line, $"{R} field {d.StartDate} 診療開始日: '{UkeParser.Shorten(f[d.StartDate])}' is not a date");
                return;
            }
            start = date;
        }
        var outcome = 0;
        if (!f.IsEmpty(d.Outcome) && !Int(line, R, f, d.Outcome, "転帰区分", out outcome)) return;
        _diagnoses.Add(new Diagnosis(code, start, (byte)outcome, !f.IsEmpty(d.Primary)));
    }

    private void ReadLine(int line, LineLayout l, CsvFields f)
    {
        var record = l.Record;
        if (!Require(line, record, f, l.MinFields)) return;
        var code = f.Text(l.Code);
        if (code.Length == 0) { Reject(line, $"{record} field {l.Code} コード is empty"); return; }
        decimal? quantity = null;
        if (!f.IsEmpty(l.Quantity))
        {
            if (!f.TryDecimal(l.Quantity, out var q))
            {
                Reject(line, $"{record} field {l.Quantity} 数量: '{UkeParser.Shorten(f[l.Quantity])}' is not a number");
                return;
            }
            quantity = q;
        }
        int? points = null;
        if (!f.IsEmpty(l.Points))
        {
            if (!Amount(line, record, f, l.Points, "点数", out var p)) return;
            points = p;
        }
        if (!Int(line, record, f, l.Times, "回数", out var times)) return;
        uint days = 0;
        for (var day = 1; day <= 31; day++)
        {
            var field = l.FirstDay + day - 1;
            if (f.IsEmpty(field)) continue;
            if (!Int(line, record, f, field, $"算定日 {day}日", out var count)) return;
            if (count > 0) days |= 1u << (day - 1);
        }
        _lines.Add(new ServiceLine(l.Kind, f.OptionalText(l.Division), code, quantity, points, times, days));
    }

    public Receipt? Build()
    {
        if (Error is null && _ho is null && _kohi.Count == 0) Reject(reLine, "the receipt has neither an HO (保険者) nor a KO (公費) record");
        if (Error is not null) return null;

        // A 公費単独 receipt (no HO) is keyed by its first 公費: payer number and recipient number.
        var card = _ho is { } ho
            ? new HouseholdCard(ho.InsurerNo, ho.Symbol, ho.Number)
            : new HouseholdCard(_kohi[0].PayerNo, "", _kohi[0].RecipientNo ?? "");
        var declared = _ho?.Points ?? _kohi[0].Points ?? 0;
        var days = _ho?.Days ?? _kohi[0].Days ?? 0;
        var lines = _lines.ToImmutableArray();
        long computed = 0;
        foreach (var l in lines) computed += l.Contribution;
        return new Receipt(
            new ReceiptKey(header.ProviderCode, header.BillingMonth, _receiptNo), header.Kind, _type, _serviceMonth, card, _branch,
            _sex, _birthDate, _kana, _benefitRatio, _admissionDate, _specialNotes, days, declared, computed, _ho?.Copay,
            _kohi.ToImmutableArray(), _diagnoses.ToImmutableArray(), lines, reLine, _prescriber);
    }
}
