using System.Net.Http.Headers;
using Campaigns.Functions.Hosting;
using Campaigns.Functions.Http.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Campaigns.Functions.Tests.Infrastructure;

/// <summary>
/// The app, started once for the test run on a free port over real TCP (Kestrel, the whole HTTP pipeline),
/// against real Azurite, with a fake clock. Each test makes its own account, so tests never see each other's data.
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

    public WebApplication App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public FakeTimeProvider Clock { get; }
    public string StorageConnectionString => _azurite!.ConnectionString;

    /// <summary>The connection string the app is given: Azurite's, unless a fixture puts something in between.</summary>
    public string AppStorageConnectionString => _storage ?? StorageConnectionString;
    public string DevApiKey { get; } = "ck_test_dev_" + Guid.NewGuid().ToString("N");
    public string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..8];

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

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
        App = BuildApp();
        await CampaignsApp.InitializeAsync(App);
        await App.StartAsync();
        BaseAddress = new Uri(App.Urls.First());
    }

    /// <summary>Another instance of the app on the same storage, tables, queues and clock (a second host).</summary>
    public async Task<WebApplication> StartAnotherHostAsync()
    {
        var other = BuildApp();
        await other.StartAsync();
        return other;
    }

    /// <summary>The settings every instance of this fixture's app runs with.</summary>
    public Dictionary<string, string?> Settings => new(_settings)
    {
        ["AzureWebJobsStorage"] = AppStorageConnectionString,
        ["Storage:TablePrefix"] = Prefix,
        ["Engine:QueuePrefix"] = Prefix + "-",
        ["Engine:MaxTimerDelaySeconds"] = _settings.GetValueOrDefault("Engine:MaxTimerDelaySeconds") ?? "1", // timers re-check the fake clock every second
        ["CAMPAIGNS_DEV_API_KEY"] = DevApiKey,
    };

    private WebApplication BuildApp()
    {
        var app = CampaignsApp.Build([], builder =>
        {
            foreach (var (key, value) in Settings)
                builder.Configuration[key] = value;
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton<TimeProvider>(Clock);
        });
        Map(app);
        return app;
    }

    /// <summary>Lets a fixture give the app another connection string (a proxy in front of Azurite, say).</summary>
    protected virtual Task<string> AppStorageAsync(string azurite) => Task.FromResult(azurite);

    /// <summary>Lets a fixture add endpoints of its own (test functions) before the app starts.</summary>
    protected virtual void Map(WebApplication app)
    {
    }

    /// <summary>A new account with its own API key, and a client that sends it as a Bearer token.</summary>
    public async Task<(HttpClient Client, string ApiKey)> NewAccountAsync()
    {
        var key = ApiKeys.Generate();
        var accountId = "acct_" + Guid.NewGuid().ToString("N")[..12];
        await App.Services.GetRequiredService<ApiKeys>().RegisterAsync(accountId, "Test account", key, Clock.GetUtcNow(), CancellationToken.None);
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

    public virtual async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}
