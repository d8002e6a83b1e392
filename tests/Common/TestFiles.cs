namespace Shinsa.Tests.Common;

/// <summary>Finds the repository and the shared fixtures from a test's output folder (works on a clean CI clone).</summary>
internal static class TestFiles
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The real 医科 outpatient sample (75 receipts, MIT) from ../shared/fixtures/external/receiptisan.</summary>
    public static string SampleUke => Path.Combine(RepoRoot, "..", "shared", "fixtures", "external", "receiptisan", "RECEIPTC_GAIRAI_SAMPLE.UKE");

    public static byte[] SampleUkeBytes() => File.ReadAllBytes(SampleUke);

    /// <summary>The eligibility feed's header line (DOMAIN.md's CSV contract), without its line end.</summary>
    public const string EligibilityHeader = "event,person_id,household_id,insurer_no,card_symbol,card_number,branch,birth_date,sex,valid_from,valid_to,burden_pct,income_class,system";

    public static string NewTempDir(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Removes a temporary dir; one a dying process still holds files in is left behind rather than failing the test.</summary>
    public static void DeleteTempDir(string dir)
    {
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Shinsa.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Shinsa.sln above {AppContext.BaseDirectory}");
    }
}
