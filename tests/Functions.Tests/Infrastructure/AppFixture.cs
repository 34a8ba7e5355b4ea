using System.Net.Http.Headers;
using Campaigns.Functions.Http.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Campaigns.Functions.Tests.Infrastructure;

/// <summary>
/// The app, started once per fixture: the local Functions host and the isolated worker in the test process
/// (<see cref="InProcessFunctionsApp"/>), over real TCP and gRPC, against real Azurite, with a fake clock. Each test makes
/// its own account, so tests never see each other's data.
/// </summary>
public class AppFixture : IAsyncLifetime
{
    private static readonly Lazy<Task<Azurite>> SharedAzurite = new(StartSharedAzuriteAsync);
    private Azurite? _azurite;
    private string? _storage;
    private readonly Dictionary<string, string?> _settings;

    public AppFixture() : this(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero), [])
    {
    }

    /// <summary>An app whose fake clock starts at <paramref name="start"/>, with extra configuration.</summary>
    protected AppFixture(DateTimeOffset start, Dictionary<string, string?> settings)
    {
        Clock = new FakeTimeProvider(start);
        _settings = settings;
    }

    /// <summary>The host and worker of this fixture.</summary>
    public InProcessFunctionsApp App { get; private set; } = null!;

    public Uri BaseAddress => App.BaseAddress;
    public FakeTimeProvider Clock { get; }
    public string StorageConnectionString => _azurite!.ConnectionString;

    /// <summary>The connection string the app is given: Azurite's, unless a fixture puts something in between.</summary>
    public string AppStorageConnectionString => _storage ?? StorageConnectionString;
    public string DevApiKey { get; } = "ck_test_dev_" + Guid.NewGuid().ToString("N");
    public string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..8];

    public T Service<T>() where T : notnull => App.Service<T>();

    /// <summary>One Azurite for the whole test run, shared by every app fixture (each uses its own table and queue names).</summary>
    private static async Task<Azurite> StartSharedAzuriteAsync()
    {
        var azurite = await Azurite.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return azurite;
    }

    public async Task InitializeAsync()
    {
        _azurite = await SharedAzurite.Value;
        _storage = await AppStorageAsync(_azurite.ConnectionString);
        App = await StartAppAsync();
    }

    /// <summary>Another instance of the app (host and worker) on the same storage, tables, queues and clock: a second host.</summary>
    public Task<InProcessFunctionsApp> StartAnotherHostAsync() => StartAppAsync();

    private Task<InProcessFunctionsApp> StartAppAsync() =>
        InProcessFunctionsApp.StartAsync(AppStorageConnectionString, Settings, hostId: Prefix, services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddHostedService(sp => new FakeClockWakeups(Clock, sp.GetRequiredService<global::Campaigns.Functions.Engine.CampaignInstances>(),
                sp.GetRequiredService<global::Campaigns.Functions.Engine.EngineOptions>()));
            ConfigureWorker(services);
        }, WorkerLogLevel);

    /// <summary>
    /// Settings that turn off every queue, blob and timer function (the Functions host's <c>AzureWebJobs.{name}.Disabled</c>),
    /// for tests and benchmarks that drive the engine or the relay themselves.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string?>> TriggersOff(params string[] except) =>
        InProcessFunctionsApp.TriggerFunctions.Except(except).Select(name => new KeyValuePair<string, string?>($"AzureWebJobs.{name}.Disabled", "true"));

    /// <summary>
    /// The settings every instance of this fixture's app runs with. Unless the fixture says otherwise, the app runs as
    /// Development, as <c>./run.sh</c> does (so webhooks and the voice agent may reach the tests' receivers on 127.0.0.1),
    /// and the hourly <c>Retention</c> timer is off (tests that expire things run it themselves on the fake clock).
    /// </summary>
    public Dictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>(_settings)
            {
                ["AzureWebJobsStorage"] = AppStorageConnectionString,
                ["Storage:TablePrefix"] = Prefix,
                ["QueuePrefix"] = Prefix + "-",
                ["TaskHub"] = Prefix, // the Durable task hub of this app: its own control queues, history and instances
                ["CAMPAIGNS_DEV_API_KEY"] = DevApiKey,
            };
            settings.TryAdd("AZURE_FUNCTIONS_ENVIRONMENT", "Development");
            settings.TryAdd("AzureWebJobs.Retention.Disabled", "true");
            return settings;
        }
    }

    /// <summary>Lets a fixture give the app another connection string (a proxy in front of Azurite, say).</summary>
    protected virtual Task<string> AppStorageAsync(string azurite) => Task.FromResult(azurite);

    /// <summary>The lowest level the host and worker log at (Warning: test output stays readable).</summary>
    protected virtual Microsoft.Extensions.Logging.LogLevel WorkerLogLevel => Microsoft.Extensions.Logging.LogLevel.Warning;

    /// <summary>Lets a fixture replace services of the worker (test doubles) before it starts.</summary>
    protected virtual void ConfigureWorker(IServiceCollection services)
    {
    }

    /// <summary>A new account with its own API key, and a client that sends it as a Bearer token.</summary>
    public async Task<(HttpClient Client, string ApiKey)> NewAccountAsync()
    {
        var key = ApiKeys.Generate();
        var accountId = "acct_" + Guid.NewGuid().ToString("N")[..12];
        await Service<ApiKeys>().RegisterAsync(accountId, "Test account", key, Clock.GetUtcNow(), CancellationToken.None);
        return (ClientWith(key), key);
    }

    public HttpClient ClientWith(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        if (apiKey is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>The id the account of <paramref name="apiKey"/> has.</summary>
    public async Task<string> AccountOfAsync(string apiKey) =>
        (await Service<ApiKeys>().ResolveAccountAsync(apiKey, CancellationToken.None))!;

    public virtual async Task DisposeAsync() => await App.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}
