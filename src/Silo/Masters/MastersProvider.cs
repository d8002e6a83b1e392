using Microsoft.Extensions.Options;
using Shinsa.Grains.Masters;
using Shinsa.Ingestion.Masters;
using Shinsa.Silo.Hosting;

namespace Shinsa.Silo.Masters;

/// <summary>
/// The reference masters the checks read: the bundled subset (Masters/bundled beside the silo), overlaid by the
/// official files in <see cref="MastersOptions.Directory"/> when a user has them. Loaded once at start; a bad row is
/// logged with its file and line and skipped, so one broken line of a 20,000-row master does not stop the silo.
/// </summary>
public sealed class MastersProvider
{
    public MastersProvider(IOptions<ShinsaOptions> options, ILogger<MastersProvider> logger)
    {
        var bundled = Load(BundledDirectory, logger);
        var configured = options.Value.Masters.Directory;
        if (string.IsNullOrWhiteSpace(configured))
        {
            Masters = bundled.Masters;
            Source = $"bundled subset ({BundledDirectory})";
        }
        else
        {
            if (!System.IO.Directory.Exists(configured))
                throw new DirectoryNotFoundException($"Shinsa:Masters:Directory '{configured}' does not exist");
            Masters = bundled.Masters.With(Load(configured, logger).Masters);
            Source = $"{Path.GetFullPath(configured)} over the bundled subset";
        }
        logger.LogInformation("Reference masters from {Source}: {Drugs} drugs, {Procedures} procedures, {Diseases} diseases, {Materials} materials, {Modifiers} modifiers",
            Source, Masters.DrugCount, Masters.ProcedureCount, Masters.DiseaseCount, Masters.MaterialCount, Masters.ModifierCount);
    }

    public static string BundledDirectory => Path.Combine(AppContext.BaseDirectory, "Masters", "bundled");

    public ReferenceMasters Masters { get; }
    public string Source { get; }

    private static MasterLoader.Result Load(string directory, ILogger logger)
    {
        var result = MasterLoader.LoadDirectory(directory);
        foreach (var e in result.Errors.Take(20))
            logger.LogWarning("Master file {File} line {Line}: {Reason}; row skipped", e.File, e.Line, e.Reason);
        if (result.Errors.Count > 20) logger.LogWarning("… and {More} more bad master rows", result.Errors.Count - 20);
        return result;
    }
}
