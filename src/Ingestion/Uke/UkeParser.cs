using System.Collections.Immutable;
using System.Text;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Text;
using L = Shinsa.Ingestion.Uke.UkeLayout;

namespace Shinsa.Ingestion.Uke;

/// <summary>
/// Parses a claim file (RECEIPTC.UKE) of any 点数表 — 医科, 歯科, 調剤, 訪問看護 — read from the IR record. A malformed line rejects the receipt it belongs to, with the line number
/// and the reason, and nothing else; a GO count that disagrees with the file is a warning; a declared total that
/// disagrees with the lines is left for the TOTAL check.
/// </summary>
public static class UkeParser
{
    public static UkeParseResult Parse(byte[] bytes, string fileName)
    {
        var (isUtf8, start) = InputText.Detect(bytes);
        var encoding = isUtf8 ? InputText.StrictUtf8 : InputText.StrictShiftJis;
        var lines = LineReader.Split(bytes, start, isUtf8);
        var state = new ParseState(fileName, isUtf8);
        var fields = new CsvFields();

        foreach (var line in lines)
        {
            if (line.Length == 0) continue;
            if (line.Length > L.MaxLineBytes)
            {
                if (state.Header is null) return UkeParseResult.FileRejected(fileName, $"line {line.Number} is {line.Length} bytes, longer than the {L.MaxLineBytes}-byte limit: not a claim file");
                state.LineError(line.Number, $"line is {line.Length} bytes, longer than the {L.MaxLineBytes}-byte limit");
                continue;
            }
            string text;
            try
            {
                text = encoding.GetString(bytes, line.Start, line.Length);
            }
            catch (DecoderFallbackException e)
            {
                var bad = e.BytesUnknown is { Length: > 0 } unknown ? string.Join(" ", unknown.Select(b => $"0x{b:X2}")) : "?";
                var reason = $"invalid {(isUtf8 ? "UTF-8" : "Shift_JIS")} byte {bad} at byte {e.Index + 1} of the line";
                if (state.Header is null) return UkeParseResult.FileRejected(fileName, $"line {line.Number}: {reason}: not a claim file");
                state.LineError(line.Number, reason);
                continue;
            }
            fields.Load(text);
            var record = fields[1].Trim();
            if (state.Header is null)
            {
                if (record is not "IR")
                    return UkeParseResult.FileRejected(fileName, $"line {line.Number}: the first record is '{Shorten(record)}', not IR (医療機関情報): not a UKE claim file");
                var header = ParseHeader(fields);
                if (header.Error is not null) return UkeParseResult.FileRejected(fileName, $"line {line.Number}: {header.Error}");
                state.Header = header;
                continue;
            }
            state.Record(line.Number, record.ToString(), fields);
        }

        if (state.Header is null) return UkeParseResult.FileRejected(fileName, "the file is empty: no IR record");
        state.Finish();
        var h = state.Header.Value;
        return new UkeParseResult(fileName, h.Kind, h.ProviderCode, h.Prefecture, h.BillingMonth,
            state.Receipts, state.Errors, state.Warnings, state.Submitted);
    }

    internal static string Shorten(ReadOnlySpan<char> s) => s.Length <= 10 ? s.ToString() : $"{s[..10]}…";

    internal readonly record struct Header(ClaimKind Kind, string ProviderCode, string Prefecture, YearMonth BillingMonth, string? Error);

    private static Header ParseHeader(CsvFields f)
    {
        if (f.Count < L.IR.MinFields) return Fail($"IR has {f.Count} fields, expected at least {L.IR.MinFields}");
        var provider = f.Text(L.IR.ProviderCode);
        if (provider.Length != 7 || !provider.All(char.IsAsciiDigit)) return Fail($"IR field {L.IR.ProviderCode} 医療機関コード: '{provider}' is not 7 digits");
        if (!f.TryInt(L.IR.PointTable, out var table) || !Enum.IsDefined((ClaimKind)table))
            return Fail($"IR field {L.IR.PointTable} 点数表: '{f.Text(L.IR.PointTable)}' is not 1, 3, 4 or 6");
        if (!UkeDates.TryMonth(f[L.IR.BillingMonth], out var billing))
            return Fail($"IR field {L.IR.BillingMonth} 請求年月: '{f.Text(L.IR.BillingMonth)}' is not YYYYMM");
        return new Header((ClaimKind)table, provider, f.Text(L.IR.Prefecture), billing, null);

        static Header Fail(string reason) => new(default, "", "", default, reason);
    }

    /// <summary>The receipt being read and everything read so far.</summary>
    private sealed class ParseState(string fileName, bool isUtf8)
    {
        public Header? Header;
        public readonly List<Receipt> Receipts = new();
        public readonly List<IngestError> Errors = new();
        public readonly List<string> Warnings = new();
        public int Submitted;
        private ReceiptBuilder? _current;
        private int? _goCount;
        private int _goLine;

        public void LineError(int line, string reason)
        {
            if (_current is not null) _current.Reject(line, reason);
            else Errors.Add(new IngestError(fileName, line, reason));
        }

        public void Record(int line, string record, CsvFields f)
        {
            switch (record)
            {
                case "RE":
                    EndReceipt();
                    Submitted++;
                    _current = new ReceiptBuilder(Header!.Value, line);
                    _current.ReadRE(f);
                    break;
                case "GO":
                    EndReceipt();
                    if (_goCount is not null) { Warnings.Add($"line {line}: a second GO record"); break; }
                    _goLine = line;
                    _goCount = f.TryInt(L.GO.Count, out var count) ? count : -1;
                    break;
                case "IR":
                    EndReceipt();
                    Errors.Add(new IngestError(fileName, line, "a second IR record: one file holds one provider's claims"));
                    break;
                default:
                    if (_current is null)
                    {
                        Errors.Add(new IngestError(fileName, line, L.Ignored.Contains(record) || UkeLayout.For(Header!.Value.Kind).Reads(record)
                            ? $"{record} record outside a receipt (before the first RE or after GO)"
                            : $"unknown record type '{Shorten(record)}' outside a receipt"));
                        break;
                    }
                    if (L.Ignored.Contains(record)) break;
                    if (!UkeLayout.For(Header!.Value.Kind).Reads(record)) { _current.Reject(line, $"unknown record type '{Shorten(record)}'"); break; }
                    _current.Read(line, record, f);
                    break;
            }
        }

        private void EndReceipt()
        {
            if (_current is null) return;
            if (_current.Build() is { } receipt) Receipts.Add(receipt);
            else Errors.Add(new IngestError(fileName, _current.ErrorLine, _current.Error!));
            _current = null;
        }

        public void Finish()
        {
            EndReceipt();
            if (_goCount is null) Warnings.Add("no GO (合計) record: the file may be truncated");
            else if (_goCount != Submitted)
                Warnings.Add($"line {_goLine}: GO 総件数 declares {(_goCount < 0 ? "an unreadable count" : _goCount.ToString())}, the file holds {Submitted} receipts");
            _ = isUtf8;
        }
    }
}
