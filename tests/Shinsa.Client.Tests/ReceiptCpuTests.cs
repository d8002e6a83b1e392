using Shinsa.Client.Commands;

namespace Shinsa.Client.Tests;

public class ReceiptCpuTests
{
    [Fact]
    public void Costs_per_receipt_and_the_bound_with_every_core_busy_follow_from_the_measured_seconds()
    {
        // 100,000 receipts: parsed in 0.5 s (5 µs each); the silo used 3 s of CPU (30 µs) and the client 0.5 s (5 µs)
        // over 2 s of wall time, so 1.75 cores were busy. Two cores at 35 µs a receipt give 57,143 receipts/s against a
        // parse rate of 200,000/s: 2 × 5 / 35 = 0.2857. The silo allocated 800 MB (8,000 bytes a receipt) and its collector
        // paused it 0.1 s of the 2 s (5 %).
        var cpu = new ReceiptCpu(Receipts: 100_000, ParseSeconds: 0.5, SiloSeconds: 3, ClientSeconds: 0.5, WallSeconds: 2, Processors: 2,
            SiloAllocated: 800_000_000, SiloGcPauseSeconds: 0.1);
        Assert.Equal(5, cpu.ParseMicros, 9);
        Assert.Equal(30, cpu.SiloMicros, 9);
        Assert.Equal(5, cpu.ClientMicros, 9);
        Assert.Equal(1.75, cpu.CoresBusy, 9);
        Assert.Equal(0.285714, cpu.RatioWithAllCoresBusy, 6);
        Assert.Equal(8_000, cpu.SiloAllocatedBytes, 9);
        Assert.Equal(0.05, cpu.SiloGcPauseShare, 9);
    }
}
