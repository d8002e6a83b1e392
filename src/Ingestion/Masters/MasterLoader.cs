using System.Globalization;
using System.Text;
using Shinsa.Grains.Masters;
using Shinsa.Ingestion.Text;
using L = Shinsa.Ingestion.Masters.MasterLayout;

namespace Shinsa.Ingestion.Masters;

/// <summary>
/// Loads the official master files (or the bundled subset, written in the same format). A directory may hold any of
/// the five kinds; each file's kind is read from its rows (field 2), so file names do not matter. A malformed row is
/// reported with file and line and skipped; the rest loads.
/// </summary>
public static class MasterLoader
{
    public sealed record Result(ReferenceMasters Masters, IReadOnlyList<IngestError> Errors, IReadOnlyDictionary<string, int> RowsByFile);

    public static Result LoadDirectory(string directory) =>
        Load(Directory.EnumerateFiles(directory, "*.csv").Order().Select(path => (path, File.ReadAllBytes(path))));

    public static Result Load(IEnumerable<(string Name, byte[] Bytes)> files)
    {
        var drugs = new List<DrugInfo>();
        var procedures = new List<ProcedureInfo>();
        var diseases = new List<DiseaseInfo>();
        var materials = new List<MaterialInfo>();
        var modifiers = new List<ModifierInfo>();
        var errors = new List<IngestError>();
        var rows = new Dictionary<string, int>();
        foreach (var (name, bytes) in files)
        {
            var (isUtf8, start) = InputText.Detect(bytes);
            var text = (isUtf8 ? Encoding.UTF8 : InputText.ShiftJis).GetString(bytes, start, bytes.Length - start);
            var lineNo = 0;
            var count = 0;
            foreach (var line in text.Split(["\r\n", "\n"], StringSplitOptions.None))
            {
                lineNo++;
                if (line.Length == 0) continue;
                var f = SplitQuoted(line);
                string F(int n) => n <= f.Count ? f[n - 1] : "";
                string? error = null;
                switch (F(L.Type))
                {
                    case "Y" when f.Count >= L.Drug.MinFields:
                        var listCode = F(L.Drug.PriceListCode);
                        drugs.Add(new DrugInfo(F(L.Drug.Code), F(L.Drug.Name), F(L.Drug.Unit), Decimal(F(L.Drug.Price)), F(L.Drug.Generic) == "1",
                            F(L.Drug.DosageForm) == L.Drug.OralDosageForm, listCode.Length >= 7 ? listCode[..7] : null, listCode.Length > 0 ? listCode : null));
                        break;
                    case "S" when f.Count >= L.Procedure.MinFields:
                        procedures.Add(new ProcedureInfo(F(L.Procedure.Code), F(L.Procedure.Name), Decimal(F(L.Procedure.Points))));
                        break;
                    case "B" when f.Count >= L.Disease.MinFields:
                        diseases.Add(new DiseaseInfo(F(L.Disease.Code), F(L.Disease.Name), F(L.Disease.Icd10) is { Length: > 0 } icd ? icd : null));
                        break;
                    case "T" when f.Count >= L.Material.MinFields:
                        materials.Add(new MaterialInfo(F(L.Material.Code), F(L.Material.Name), Decimal(F(L.Material.Price))));
                        break;
                    case "Z" when f.Count >= L.Modifier.MinFields:
                        modifiers.Add(new ModifierInfo(F(L.Modifier.Code), F(L.Modifier.Name)));
                        break;
                    case "Y" or "S" or "B" or "T" or "Z":
                        error = $"master type {F(L.Type)} row has only {f.Count} fields";
                        break;
                    default:
                        error = $"field 2 is '{F(L.Type)}', not a master type (Y, S, B, T, Z)";
                        break;
                }
                if (error is null) count++;
                else errors.Add(new IngestError(Path.GetFileName(name), lineNo, error));
            }
            rows[Path.GetFileName(name)] = count;
        }
        return new Result(new ReferenceMasters(drugs, procedures, diseases, materials, modifiers), errors, rows);
    }

    private static decimal Decimal(string s) =>
        decimal.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) ? d : 0m;

    /// <summary>CSV with optional double quotes ("" inside quotes is a quote), as the masters are written.</summary>
    internal static List<string> SplitQuoted(string line)
    {
        var fields = new List<string>(40);
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
