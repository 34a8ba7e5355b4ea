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
public sealed class AppFixture : IAsyncLifetime
{
    private Azurite? _azurite;

    public WebApplication App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));
    public string StorageConnectionString => _azurite!.ConnectionString;
    public string DevApiKey { get; } = "ck_test_dev_" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        App = CampaignsApp.Build([], builder =>
        {
            builder.Configuration["AzureWebJobsStorage"] = _azurite.ConnectionString;
            builder.Configuration["Storage:TablePrefix"] = "t" + Guid.NewGuid().ToString("N")[..8];
            builder.Configuration["CAMPAIGNS_DEV_API_KEY"] = DevApiKey;
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton<TimeProvider>(Clock);
        });
        await CampaignsApp.InitializeAsync(App);
        await App.StartAsync();
        BaseAddress = new Uri(App.Urls.First());
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

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (_azurite is not null)
            await _azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}
