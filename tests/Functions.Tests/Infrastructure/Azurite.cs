using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Campaigns.Functions.Tests.Infrastructure;

/// <summary>
/// Real Azurite for the tests. <c>./test.sh</c> starts one and passes <c>CAMPAIGNS_TEST_STORAGE</c>; without it
/// (a plain <c>dotnet test</c>), the tests start their own, in memory, on free ports, from the project's npm package.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan PortPoll = TimeSpan.FromMilliseconds(100);
    private Process? _process;

    public string ConnectionString { get; private set; } = "";

    public static async Task<Azurite> StartAsync()
    {
        var azurite = new Azurite();
        if (Environment.GetEnvironmentVariable("CAMPAIGNS_TEST_STORAGE") is { Length: > 0 } given)
        {
            azurite.ConnectionString = given;
            return azurite;
        }
        var root = RepositoryRoot();
        var executable = Path.Combine(root, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
            throw new InvalidOperationException($"Azurite is not installed at {executable}: run ./test.sh (or npm ci) first.");
        int blob = FreePort(), queue = FreePort(), table = FreePort();
        var info = new ProcessStartInfo(executable,
            $"--inMemoryPersistence --silent --disableTelemetry --skipApiVersionCheck --blobHost 127.0.0.1 --queueHost 127.0.0.1 " +
            $"--tableHost 127.0.0.1 --blobPort {blob} --queuePort {queue} --tablePort {table}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        azurite._process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start");
        azurite._process.OutputDataReceived += (_, _) => { };
        azurite._process.ErrorDataReceived += (_, _) => { };
        azurite._process.BeginOutputReadLine();
        azurite._process.BeginErrorReadLine();
        foreach (var port in new[] { blob, queue, table })
            await WaitForPortAsync(port, TimeSpan.FromSeconds(30));
        azurite.ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
        return azurite;
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Campaigns.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Campaigns.sln not found above " + AppContext.BaseDirectory);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(PortPoll); // waiting for a process to open its port: there is no signal to await
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }
}
