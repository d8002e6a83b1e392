using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shinsa.Silo.Hosting;
using Shinsa.Silo.Masters;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

public class MastersProviderTests
{
    private static MastersProvider With(string directory) =>
        new(Options.Create(new ShinsaOptions { Masters = new MastersOptions { Directory = directory } }), NullLogger<MastersProvider>.Instance);

    [Fact]
    public void Without_configuration_the_bundled_subset_is_used()
    {
        var masters = With("").Masters;
        Assert.NotNull(masters.Drug("620406001"));
        Assert.Null(masters.Drug("620000237")); // only in the official sample
    }

    [Fact]
    public void Official_files_are_laid_over_the_bundled_subset()
    {
        var official = Path.GetDirectoryName(TestFiles.SampleUke)!;
        var masters = With(official).Masters;
        Assert.NotNull(masters.Drug("620000237"));  // 生理食塩液, from the official sample
        Assert.NotNull(masters.Drug("620406001"));  // bundled, kept
        Assert.Equal("ガスター散２％", masters.Drug("610406079")!.Name);
        Assert.Equal(26.00m, masters.Drug("610406079")!.Price); // the official row replaces the bundled one of the same code
    }

    [Fact]
    public void A_configured_directory_that_does_not_exist_stops_the_start_with_its_name()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => With("/nonexistent/masters"));
        Assert.Contains("/nonexistent/masters", e.Message);
    }
}
