using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Campaigns.Functions.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Campaigns.LocalHost.Tests.Infrastructure;

/// <summary>
/// The sample worker app (tests/LocalHost.SampleApp) run by a <see cref="FunctionsHost"/> on Azurite, with names of
/// its own for this test (queue, containers, host id) so tests never see each other's messages or records.
/// </summary>
public sealed class SampleApp : IAsyncDisposable
{
    private SampleApp(FunctionsHost host, LogCollector logs, string connectionString, IReadOnlyDictionary<string, string> settings)
    {
        Host = host;
        Logs = logs;
        Settings = settings;
        Records = new BlobContainerClient(connectionString, settings["RecordsContainer"]);
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public FunctionsHost Host { get; }

    public LogCollector Logs { get; }

    public IReadOnlyDictionary<string, string> Settings { get; }

    public BlobContainerClient Records { get; }

    public HttpClient Http { get; }

    /// <summary>The sample app's build output, from the same configuration as this test assembly.</summary>
    public static string Directory
    {
        get
        {
            var configuration = typeof(SampleApp).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var path = Path.Combine(Azurite.RepositoryRoot(), "tests", "LocalHost.SampleApp", "bin", configuration, "net10.0");
            if (!File.Exists(Path.Combine(path, "worker.config.json")))
                throw new InvalidOperationException($"The sample app is not built at {path}: build the solution first.");
            return path;
        }
    }

    /// <summary>The sample's Durable functions: off unless a test asks for them, so other tests create no task hub.</summary>
    public static readonly string[] DurableFunctions = ["Greeting", "SayHello", "FailingActivity"];

    /// <summary>
    /// Names for one test: give the same <paramref name="id"/> to hosts that must share queues and receipts. With
    /// <paramref name="durable"/>, the orchestrator and activities run, on a task hub of the test's own.
    /// </summary>
    public static Dictionary<string, string> SettingsFor(string id, bool durable = false)
    {
        var settings = BaseSettingsFor(id);
        settings["DurableHub"] = "hub" + new string(id.Where(char.IsAsciiLetterOrDigit).ToArray());
        if (!durable)
        {
            foreach (var function in DurableFunctions)
                settings[$"AzureWebJobs.{function}.Disabled"] = "true";
        }
        return settings;
    }

    private static Dictionary<string, string> BaseSettingsFor(string id) => new()
    {
        ["WorkQueue"] = $"work-{id}",
        ["UploadsContainer"] = $"uploads-{id}",
        ["EventUploadsContainer"] = $"event-uploads-{id}",
        ["RecordsContainer"] = $"records-{id}",
        ["TickSchedule"] = "0 0 0 1 1 *", // once a year: only the tests that want the timer make it run
        ["StartupSchedule"] = "0 0 0 1 1 *",
        ["SampleHostName"] = "a",
    };

    public static async Task<SampleApp> StartAsync(
        StorageFixture storage, ITestOutputHelper? output, Dictionary<string, string>? settings = null, string? hostId = null, string logPrefix = "",
        string? hostJsonPath = null)
    {
        settings ??= SettingsFor(Guid.NewGuid().ToString("N")[..10]);
        var logs = new LogCollector(output, logPrefix);
        var host = new FunctionsHost(new FunctionsHostOptions
        {
            AppDirectory = Directory,
            HostJsonPath = hostJsonPath,
            Port = 0,
            StorageConnectionString = storage.ConnectionString,
            Settings = settings,
            HostId = hostId ?? "test-" + settings["WorkQueue"],
            GracePeriod = TimeSpan.FromSeconds(10),
            BlobScanInterval = TimeSpan.FromMilliseconds(250),
            ConfigureLogging = logging => logging.AddProvider(logs),
        });
        try
        {
            await host.StartAsync(CancellationToken.None);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return new SampleApp(host, logs, storage.ConnectionString, settings);
    }

    /// <summary>A copy of the sample's host.json with another functionTimeout (the sample's own is generous).</summary>
    public static string HostJsonWithTimeout(TimeSpan timeout)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, "host.json")))!;
        json["functionTimeout"] = timeout.ToString("c");
        var path = Path.Combine(Path.GetTempPath(), $"host-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    /// <summary>What the functions recorded under <c>{kind}/{key}/</c>, oldest first.</summary>
    public async Task<List<JsonObject>> RecordsAsync(string kind, string key = "")
    {
        var found = new List<JsonObject>();
        if (!(await Records.ExistsAsync()).Value)
            return found;
        await foreach (var blob in Records.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, key.Length == 0 ? $"{kind}/" : $"{kind}/{key}/", CancellationToken.None))
        {
            var content = await Records.GetBlobClient(blob.Name).DownloadContentAsync();
            found.Add(JsonNode.Parse(content.Value.Content.ToString())!.AsObject());
        }
        return found;
    }

    public static string Stage(JsonObject record) => record["stage"]?.GetValue<string>() ?? "";

    public static long DequeueCount(JsonObject record) => record["seen"]!["dequeueCount"]!.GetValue<long>();

    public static string Show(IEnumerable<JsonObject> records) => JsonSerializer.Serialize(records);

    /// <summary>Stops the host gracefully; safe to call twice (a test may stop one host of several early).</summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}
