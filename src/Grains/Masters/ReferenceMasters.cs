namespace Shinsa.Grains.Masters;

/// <summary>医薬品マスター: what the drug rules need. <see cref="IngredientCode"/> is the first 7 characters of the
/// 薬価基準収載医薬品コード (薬効分類 + 成分), the key of 重複投薬 and of "brand with a generic".</summary>
public sealed record DrugInfo(string Code, string Name, string Unit, decimal Price, bool IsGeneric, bool IsOral, string? IngredientCode, string? PriceListCode);

/// <summary>診療行為マスター.</summary>
public sealed record ProcedureInfo(string Code, string Name, decimal Points);

/// <summary>傷病名マスター, with the disease groups the checks use (from the ICD-10 code).</summary>
public sealed record DiseaseInfo(string Code, string Name, string? Icd10)
{
    public DiseaseGroup Group => DiseaseGroups.Of(Icd10);
}

/// <summary>特定器材マスター.</summary>
public sealed record MaterialInfo(string Code, string Name, decimal Price);

/// <summary>修飾語マスター.</summary>
public sealed record ModifierInfo(string Code, string Name);

[Flags]
public enum DiseaseGroup
{
    None = 0,
    Injury = 1,        // 外傷 (S00–T98): 第三者行為 candidates, 柔整
    Diabetes = 2,      // 糖尿病 (E10–E14)
    Hypertension = 4,  // 高血圧 (I10–I15)
}

public static class DiseaseGroups
{
    public static DiseaseGroup Of(string? icd10)
    {
        if (string.IsNullOrEmpty(icd10) || icd10.Length < 3 || !int.TryParse(icd10.AsSpan(1, 2), out var n)) return DiseaseGroup.None;
        return icd10[0] switch
        {
            'S' => DiseaseGroup.Injury,
            'T' when n <= 98 => DiseaseGroup.Injury,
            'E' when n is >= 10 and <= 14 => DiseaseGroup.Diabetes,
            'I' when n is >= 10 and <= 15 => DiseaseGroup.Hypertension,
            _ => DiseaseGroup.None,
        };
    }
}

/// <summary>
/// The reference masters, loaded once and read by the checks. Immutable, so grains on every shard can share it;
/// a reload builds a new instance.
/// </summary>
public sealed class ReferenceMasters(
    IEnumerable<DrugInfo> drugs, IEnumerable<ProcedureInfo> procedures, IEnumerable<DiseaseInfo> diseases,
    IEnumerable<MaterialInfo> materials, IEnumerable<ModifierInfo> modifiers)
{
    private readonly Dictionary<string, DrugInfo> _drugs = drugs.ToDictionary(d => d.Code);
    private readonly Dictionary<string, ProcedureInfo> _procedures = procedures.ToDictionary(p => p.Code);
    private readonly Dictionary<string, DiseaseInfo> _diseases = diseases.ToDictionary(d => d.Code);
    private readonly Dictionary<string, MaterialInfo> _materials = materials.ToDictionary(m => m.Code);
    private readonly Dictionary<string, ModifierInfo> _modifiers = modifiers.ToDictionary(m => m.Code);

    public static readonly ReferenceMasters Empty = new([], [], [], [], []);

    public int DrugCount => _drugs.Count;
    public int ProcedureCount => _procedures.Count;
    public int DiseaseCount => _diseases.Count;
    public int MaterialCount => _materials.Count;
    public int ModifierCount => _modifiers.Count;

    public DrugInfo? Drug(string code) => _drugs.GetValueOrDefault(code);
    public ProcedureInfo? Procedure(string code) => _procedures.GetValueOrDefault(code);
    public DiseaseInfo? Disease(string code) => _diseases.GetValueOrDefault(code);
    public MaterialInfo? Material(string code) => _materials.GetValueOrDefault(code);
    public ModifierInfo? Modifier(string code) => _modifiers.GetValueOrDefault(code);

    /// <summary>A brand drug (先発品) that has a generic with the same ingredient: the denominator of 後発医薬品使用割合.</summary>
    public bool IsBrandWithGeneric(string code) =>
        _drugs.GetValueOrDefault(code) is { IsGeneric: false, IngredientCode: { } ingredient } && IngredientsWithGenerics.Contains(ingredient);

    private HashSet<string> IngredientsWithGenerics => _ingredientsWithGenerics ??=
        _drugs.Values.Where(d => d.IsGeneric && d.IngredientCode is not null).Select(d => d.IngredientCode!).ToHashSet();
    private HashSet<string>? _ingredientsWithGenerics;

    /// <summary>These masters with <paramref name="other"/>'s entries added or replacing (a full official file over the bundled subset).</summary>
    public ReferenceMasters With(ReferenceMasters other) => new(
        _drugs.Values.Concat(other._drugs.Values).GroupBy(d => d.Code).Select(g => g.Last()),
        _procedures.Values.Concat(other._procedures.Values).GroupBy(p => p.Code).Select(g => g.Last()),
        _diseases.Values.Concat(other._diseases.Values).GroupBy(d => d.Code).Select(g => g.Last()),
        _materials.Values.Concat(other._materials.Values).GroupBy(m => m.Code).Select(g => g.Last()),
        _modifiers.Values.Concat(other._modifiers.Values).GroupBy(m => m.Code).Select(g => g.Last()));
}
