using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Campaigns.Functions.Hosting;
using Campaigns.LocalHost;
using Campaigns.LocalHost.Worker;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Campaigns.Functions.Tests.Infrastructure;

// Also compiled into tests/Benchmarks (linked), which run the app through the same local host.

/// <summary>
/// The app as the tests run it: the local Functions host (src/LocalHost) and the real isolated worker
/// (<see cref="CampaignsWorker.Build"/>), both inside the test process and talking over the Functions gRPC protocol on
/// loopback, so the worker can be given a fake clock and test doubles while every request still goes through the host:
/// HTTP over TCP to the host, proxied to the worker's own Kestrel; queues, blobs and timers through Azurite.
/// <para>Two facts of the worker make this work: its extension and function-metadata startup code is found through the
/// process's entry assembly, which a test process sets to the app's; and its HTTP port is chosen once per process, so
/// each in-process worker is told a port of its own (Kestrel endpoint and the <c>HttpUri</c> capability it reports).</para>
/// </summary>
public sealed class InProcessFunctionsApp : IAsyncDisposable
{
    private InProcessFunctionsApp(FunctionsHost host, IHost worker)
    {
        Host = host;
        Worker = worker;
    }

    /// <summary>The local Functions host: its <see cref="FunctionsHost.BaseAddress"/> is the app's URL.</summary>
    public FunctionsHost Host { get; }

    /// <summary>The isolated worker's own host: its services are the app's.</summary>
    public IHost Worker { get; }

    public Uri BaseAddress => Host.BaseAddress;

    /// <summary>The app's build output (functions.metadata, worker.config.json, host.json), built with the solution.</summary>
    public static string AppDirectory
    {
        get
        {
            var configuration = typeof(InProcessFunctionsApp).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var path = Path.Combine(RepositoryRoot(), "src", "Functions", "bin", configuration, "net10.0");
            if (!File.Exists(Path.Combine(path, "functions.metadata")))
                throw new InvalidOperationException($"The Functions app is not built at {path}: build the solution first.");
            return path;
        }
    }

    /// <summary>The local Functions host as a program (what ./run.sh starts), built with the solution.</summary>
    public static string LocalHostProgram =>
        Path.Combine(AppDirectory.Replace(Path.Combine("src", "Functions"), Path.Combine("src", "LocalHost")), "Campaigns.LocalHost.dll");

    /// <summary>
    /// Starts a host and its worker. <paramref name="settings"/> are the app settings of both (configuration keys with
    /// ':'); <paramref name="configureWorker"/> replaces services of the worker (the clock, a voice agent).
    /// </summary>
    public static async Task<InProcessFunctionsApp> StartAsync(
        string storage, IReadOnlyDictionary<string, string?> settings, string hostId, Action<IServiceCollection>? configureWorker = null,
        LogLevel logLevel = LogLevel.Warning, StorageRequestTally? hostStorageRequests = null)
    {
        // Where the worker finds its generated startup code (function metadata, executor, extensions).
        Assembly.SetEntryAssembly(typeof(CampaignsWorker).Assembly);
        // Read by the worker from the process environment when it loads a function (the same folder for every worker here).
        Environment.SetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY", AppDirectory);
        var launcher = new ExternalWorkerLauncher();
        var host = new FunctionsHost(new FunctionsHostOptions
        {
            AppDirectory = AppDirectory,
            WorkerLauncher = launcher,
            Port = 0,
            StorageConnectionString = storage,
            Settings = settings.Where(s => s.Value is not null).ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!),
            IncludeEnvironment = false,
            HostId = hostId,
            BlobScanInterval = TimeSpan.FromMilliseconds(200),
            GracePeriod = TimeSpan.FromSeconds(5),
            ConfigureLogging = logging => logging.SetMinimumLevel(logLevel),
            StorageRequests = hostStorageRequests,
        });
        var starting = host.StartAsync(CancellationToken.None);
        IHost? worker = null;
        try
        {
            var launch = await launcher.NextLaunchAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            worker = BuildWorker(launch, configureWorker, logLevel);
            await worker.StartAsync();
            await starting.WaitAsync(TimeSpan.FromSeconds(60));
            return new InProcessFunctionsApp(host, worker);
        }
        catch
        {
            if (worker is not null)
            {
                try
                {
                    await StopQuietlyAsync(worker);
                }
                catch (Exception)
                {
                    // A worker that failed to start may fail to stop too; the start's exception is the one to see.
                }
            }
            await host.DisposeAsync();
            throw;
        }
    }

    private static IHost BuildWorker(WorkerLaunchContext launch, Action<IServiceCollection>? configure, LogLevel logLevel)
    {
        var port = FreePort();
        return CampaignsWorker.Build([.. launch.Arguments], builder =>
        {
            // The launch's environment, as the worker process would have read it (Section__Key becomes Section:Key).
            builder.Configuration.AddInMemoryCollection(launch.Environment.Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":"), e.Value)));
            // The worker maps its command line to these keys from the process's own arguments (Environment.GetCommandLineArgs),
            // which in a test process are the test runner's: give it the launch's arguments as the keys they become.
            builder.Configuration.AddInMemoryCollection(WorkerArguments(launch.Arguments));
            builder.Logging.SetMinimumLevel(logLevel);
            builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            builder.Services.PostConfigure<WorkerOptions>(options => options.Capabilities["HttpUri"] = $"http://127.0.0.1:{port}/");
            configure?.Invoke(builder.Services);
        });
    }

    private static readonly Dictionary<string, string> ArgumentKeys = new()
    {
        ["--functions-uri"] = "Functions:Worker:HostEndpoint",
        ["--functions-worker-id"] = "Functions:Worker:WorkerId",
        ["--functions-request-id"] = "Functions:Worker:RequestId",
        ["--functions-grpc-max-message-length"] = "Functions:Worker:GrpcMaxMessageLength",
    };

    private static IEnumerable<KeyValuePair<string, string?>> WorkerArguments(IReadOnlyList<string> arguments)
    {
        for (var i = 0; i + 1 < arguments.Count; i++)
        {
            if (ArgumentKeys.TryGetValue(arguments[i], out var key))
                yield return new(key, arguments[++i]);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The app's orchestration, activity, queue, blob and timer functions: what <c>AzureWebJobs.{name}.Disabled</c> turns off for a test or benchmark that drives them itself.</summary>
    public static readonly IReadOnlyList<string> TriggerFunctions =
        ["CampaignOrchestrator", "CampaignLook", "CampaignWake", "CallOutcome", "CampaignPurge", "EventRelay", "CampaignSweep", "UploadSplit", "UploadBatch", "Retention"];

    /// <summary>The worker's services: the app's.</summary>
    public IServiceProvider Services => Worker.Services;

    public T Service<T>() where T : notnull => Worker.Services.GetRequiredService<T>();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Campaigns.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Campaigns.sln not found above " + AppContext.BaseDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        await StopQuietlyAsync(Worker);
        await Host.DisposeAsync();
    }

    private static async Task StopQuietlyAsync(IHost worker)
    {
        try
        {
            await worker.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            worker.Dispose();
        }
    }
}
