using Shinsa.Client.Generation;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Masters;
using Shinsa.Ingestion.Uke;
using Shinsa.Silo.Masters;
using Shinsa.Tests.Common;

namespace Shinsa.Client.Tests;

/// <summary>The bundled master subset covers what the generator bills, with the flags the checks read.</summary>
public sealed class BundledMastersTests : IDisposable
{
    private static readonly MasterLoader.Result Bundled = MasterLoader.LoadDirectory(MastersProvider.BundledDirectory);
    private readonly string _dir = TestFiles.NewTempDir("shinsa-masters");

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void The_bundled_files_load_without_errors()
    {
        Assert.Empty(Bundled.Errors);
        Assert.Equal(3, Bundled.RowsByFile.Count);
    }

    [Fact]
    public void Every_code_in_generated_claims_is_in_the_bundled_masters()
    {
        var manifest = new PrefectureGenerator(Preset.Small.Scaled(0.5), 1, 21, YearMonth.Of(2024, 4)).Generate(_dir);
        var masters = Bundled.Masters;
        var receipts = manifest.Months[0].ClaimFiles.SelectMany(f => UkeParser.Parse(File.ReadAllBytes(Path.Combine(_dir, f)), f).Receipts).ToList();
        Assert.Equal(4, receipts.Select(r => r.Kind).Distinct().Count());
        var missing = receipts.SelectMany(r => r.Lines)
            .Where(l => l.Kind == LineKind.Drug ? masters.Drug(l.Code) is null : masters.Procedure(l.Code) is null)
            .Select(l => $"{l.Kind} {l.Code}")
            .Concat(receipts.SelectMany(r => r.Diagnoses).Where(d => masters.Disease(d.Code) is null).Select(d => $"disease {d.Code}"))
            .Distinct().ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Catalog_points_generic_flags_ingredients_and_disease_groups_agree_with_the_masters()
    {
        var masters = Bundled.Masters;
        foreach (var drug in ClaimCatalog.Drugs)
        {
            var info = masters.Drug(drug.Code)!;
            Assert.Equal(drug.Generic, info.IsGeneric);
            Assert.Equal(drug.PriceListCode[..7], info.IngredientCode);
            Assert.True(info.IsOral);
        }
        // A brand counts in the 後発 denominator only when a generic of its ingredient exists.
        Assert.True(masters.IsBrandWithGeneric("610406079"));   // ガスター (ファモチジン generic bundled)
        Assert.False(masters.IsBrandWithGeneric("610465001"));  // ジャヌビア: no generic
        Assert.False(masters.IsBrandWithGeneric("620406001"));  // a generic is not a brand

        Assert.Equal(288m, masters.Procedure(ClaimCatalog.FirstVisit.Code)!.Points);
        Assert.Equal(555m, masters.Procedure(ClaimCatalog.NursingVisit.Code)!.Points);
        Assert.Equal(DiseaseGroup.Diabetes, masters.Disease("2500013")!.Group);
        Assert.Equal(DiseaseGroup.Hypertension, masters.Disease("8833421")!.Group);
        Assert.Equal(DiseaseGroup.Injury, masters.Disease("9599001")!.Group);
        Assert.Equal(DiseaseGroup.None, masters.Disease("5210001")!.Group);
    }
}
