using Shinsa.Ingestion.Uke;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Tests.Common;

namespace Shinsa.Silo.Tests;

/// <summary>Invariant 6: the resident grains stay under the cap, idle grains leave memory, and no count changes for it.</summary>
public sealed class IdleCollectionTests
{
    private const int Cap = 40;

    [Fact]
    public async Task Resident_grains_stay_under_the_cap_and_kpis_stay_exact()
    {
        using var silo = new SiloFactory(new()
        {
            ["Shinsa:ShardCount"] = "4",
            ["Shinsa:ResidentGrainCap"] = Cap.ToString(),
            ["Shinsa:IdleAfter"] = "00:00:00.300",
            ["Shinsa:SnapshotInterval"] = "00:00:00.100",
        });
        var client = await silo.StartAsync();
        var sample = TestFiles.SampleUkeBytes();
        var files = Enumerable.Range(0, 12).Select(i => SampleReplicator.MakeVariant(sample, i)).ToList();

        var maxResident = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxResident = Math.Max(maxResident, silo.Host.ResidentGrains);
                await Task.Delay(1);
            }
        });
        foreach (var file in files) await client.WaitAppliedAsync(await client.SubmitAsync(file));

        // The same receipts again under different bytes (a trailing line end): they replace themselves, so every
        // evicted grain must come back from its snapshot, or the counts would double.
        foreach (var file in files) await client.WaitAppliedAsync(await client.SubmitAsync([.. file, 13, 10]));
        sampling.Cancel();
        await sampler;

        var receipts = files.SelectMany(f => UkeParser.Parse(f, "f").Receipts).ToList();
        Assert.True(receipts.Select(r => r.Card).Distinct().Count() > Cap * 10, "the corpus must have far more households than the cap");
        Assert.InRange(maxResident, 1, Cap);

        foreach (var month in receipts.Select(r => r.ServiceMonth).Distinct())
        {
            var kpi = await client.KpiAsync($"service_month={month}");
            var inMonth = receipts.Where(r => r.ServiceMonth == month).ToList();
            Assert.Equal(inMonth.Count, kpi.GetProperty("receipts").GetInt64());
            Assert.Equal(inMonth.Sum(r => (long)r.DeclaredPoints), kpi.GetProperty("points").GetInt64());
            Assert.Equal(inMonth.Sum(r => (long)r.Days), kpi.GetProperty("days").GetInt64());
        }

        // Idle grains leave memory once they have been snapshotted.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (silo.Host.ResidentGrains > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, silo.Host.ResidentGrains);
    }
}
