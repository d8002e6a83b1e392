using System.Text;
using Shinsa.Grains.Masters;
using Shinsa.Ingestion.Masters;
using Shinsa.Tests.Common;

namespace Shinsa.Ingestion.Tests;

public class MasterLoaderTests
{
    private static string SampleDir => Path.GetDirectoryName(TestFiles.SampleUke)!;

    [Fact]
    public void The_real_master_samples_load()
    {
        var result = MasterLoader.LoadDirectory(SampleDir);
        Assert.Empty(result.Errors);
        var m = result.Masters;
        // Row counts of the five sample files (wc -l): y 4, s 5, b 5, t 6, z 8.
        Assert.Equal((4, 5, 5, 6, 8), (m.DrugCount, m.ProcedureCount, m.DiseaseCount, m.MaterialCount, m.ModifierCount));

        // Values read off the files by eye.
        var famotidine = m.Drug("610406079")!;
        Assert.Equal(("ガスター散２％", "ｇ", 26.00m, false, true, "2325003", "2325003B2029"),
            (famotidine.Name, famotidine.Unit, famotidine.Price, famotidine.IsGeneric, famotidine.IsOral, famotidine.IngredientCode, famotidine.PriceListCode));
        Assert.Null(m.Drug("630010002")!.IngredientCode); // 薬剤料逓減 has no 薬価基準 code
        Assert.Equal((282.00m, "初診料"), (m.Procedure("111000110")!.Points, m.Procedure("111000110")!.Name));
        Assert.Equal(("もやもや病", "I675", DiseaseGroup.None), (m.Disease("4375001")!.Name, m.Disease("4375001")!.Icd10, m.Disease("4375001")!.Group));
        Assert.Equal(DiseaseGroup.Injury, m.Disease("9599001")!.Group); // 外傷, T149
        Assert.Equal(13_900.00m, m.Material("710010001")!.Price);
        Assert.Equal("環指末節骨", m.Modifier("1298")!.Name);
    }

    [Fact]
    public void A_malformed_row_is_reported_by_file_and_line_and_the_rest_loads()
    {
        var bytes = File.ReadAllBytes(Path.Combine(SampleDir, "master_2022_y_ALL00000000.csv"));
        var broken = Text.InputText.ShiftJis.GetBytes("\"0\",\"Y\",\"123\"\r\n\"0\",\"Q\",\"1\"\r\n");
        var result = MasterLoader.Load([("y.csv", [.. broken, .. bytes])]);
        Assert.Equal(4, result.Masters.DrugCount);
        Assert.Equal([1, 2], result.Errors.Select(e => e.Line));
        Assert.All(result.Errors, e => Assert.Equal("y.csv", e.File));
    }

    [Fact]
    public void Brand_with_generic_is_derived_from_ingredients()
    {
        string Row(string code, string generic, string listCode) =>
            string.Join(',', Enumerable.Range(1, 35).Select(i => i switch
            {
                2 => "\"Y\"", 3 => $"\"{code}\"", 5 => "\"薬\"", 12 => "\"10.00\"", 17 => $"\"{generic}\"", 28 => "\"1\"", 32 => $"\"{listCode}\"", _ => "\"0\"",
            }));
        var csv = string.Join("\r\n", Row("610000001", "0", "1149019F1ZZZ"), Row("620000002", "1", "1149019F1AAA"), Row("610000003", "0", "2171014F1ZZZ"));
        var masters = MasterLoader.Load([("y.csv", Encoding.UTF8.GetBytes(csv))]).Masters;
        Assert.True(masters.IsBrandWithGeneric("610000001"));
        Assert.False(masters.IsBrandWithGeneric("620000002")); // the generic itself
        Assert.False(masters.IsBrandWithGeneric("610000003")); // no generic for that ingredient
    }

    [Theory]
    [InlineData("S7200", DiseaseGroup.Injury)]
    [InlineData("T149", DiseaseGroup.Injury)]
    [InlineData("E119", DiseaseGroup.Diabetes)]
    [InlineData("E149", DiseaseGroup.Diabetes)]
    [InlineData("E15", DiseaseGroup.None)]
    [InlineData("I10", DiseaseGroup.Hypertension)]
    [InlineData("I20", DiseaseGroup.None)]
    [InlineData(null, DiseaseGroup.None)]
    public void Disease_groups_come_from_icd10(string? icd, DiseaseGroup group) => Assert.Equal(group, DiseaseGroups.Of(icd));

    [Fact]
    public void Quoted_fields_keep_commas_and_quotes() =>
        Assert.Equal(["a,b", "c\"d", ""], MasterLoader.SplitQuoted("\"a,b\",\"c\"\"d\","));
}
