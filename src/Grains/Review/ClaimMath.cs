using System.Numerics;
using Shinsa.Grains.Masters;
using Shinsa.Grains.Records;

namespace Shinsa.Grains.Review;

/// <summary>Small readings of claims that several checks share.</summary>
public static class ClaimMath
{
    /// <summary>A line's points: its own 点数, or the master's when the line is inside a group (the group's 点数 stands on its last line).</summary>
    public static long PointsOf(ServiceLine line, ReferenceMasters masters) =>
        line.Points ?? (long)Math.Round(masters.Procedure(line.Code)?.Points ?? 0m);

    /// <summary>Yen of a line: points × 回数 × 10.</summary>
    public static long YenOf(ServiceLine line, ReferenceMasters masters) => PointsOf(line, masters) * line.Times * 10;

    /// <summary>The days of the month a receipt bills anything on.</summary>
    public static uint DaysOf(Receipt r) => r.Lines.Aggregate(0u, (m, l) => m | l.DayMask);

    public static int CountDays(uint mask) => BitOperations.PopCount(mask);

    public static DiseaseGroup GroupsOf(Receipt r, ReferenceMasters masters) =>
        r.Diagnoses.Aggregate(DiseaseGroup.None, (g, d) => g | (masters.Disease(d.Code)?.Group ?? DiseaseGroup.None));

    public static string? IngredientOf(ServiceLine line, ReferenceMasters masters) =>
        line.Kind == LineKind.Drug ? masters.Drug(line.Code)?.IngredientCode : null;

    public static string Class(Receipt r) => r.IsInpatient ? "入院" : "外来";

    /// <summary>Months from <paramref name="from"/> to <paramref name="to"/> (to − from).</summary>
    public static int MonthsBetween(YearMonth from, YearMonth to) => (to.Year * 12 + to.Month) - (from.Year * 12 + from.Month);
}
