using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Shinsa.Silo.Tests;

/// <summary>
/// The silo as a separate OS process (`dotnet Shinsa.Silo.dll --urls … --data-dir …`), so a test can SIGKILL it
/// the way a crash or an OOM killer would, with nothing flushed or disposed.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, string url)
    {
        _process = process;
        Url = url;
        Client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
    }

    /// <summary>The federation token the process is started with (Shinsa__Auth__AdminToken); <see cref="Client"/> sends it.</summary>
    public const string AdminToken = "test-admin-token";

    public string Url { get; }
    public HttpClient Client { get; }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public static SiloProcess Start(string dataDir, IDictionary<string, string>? environment = null)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var siloDll = Path.Combine(AppContext.BaseDirectory, "Shinsa.Silo.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { siloDll, "--urls", url, "--data-dir", dataDir },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Shinsa__Auth__AdminToken"] = AdminToken;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the silo");
        var silo = new SiloProcess(process, url);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (silo._output) silo._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (silo._output) silo._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the silo exited with {_process.ExitCode}:\n{Output}");
            try
            {
                if ((await Client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException($"the silo was not ready in time:\n{Output}");
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Sends a POSIX signal by name (STOP, CONT, TERM) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{name}", _process.Id.ToString() } })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {_process.Id} failed");
    }

    /// <summary>SIGTERM, then waits for the graceful shutdown to finish.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        Signal("TERM");
        await _process.WaitForExitAsync().WaitAsync(timeout);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, like a power cut for the process.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Kill();
        Client.Dispose();
        _process.Dispose();
    }
}
