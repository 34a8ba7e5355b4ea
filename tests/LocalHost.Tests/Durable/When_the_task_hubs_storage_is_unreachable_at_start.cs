using Azure.Data.Tables;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Configuration;
using Campaigns.LocalHost.Durable;
using Campaigns.LocalHost.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Campaigns.LocalHost.Tests.Durable;

/// <summary>
/// The task hub is prepared when the host starts; storage that does not answer then (a port nobody listens on) is
/// tried again with a back-off until it does or the host stops, and reachable storage gets the hub's tables.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_the_task_hubs_storage_is_unreachable_at_start(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task The_hub_keeps_trying_until_the_host_stops()
    {
        var logs = new LogCollector(output, "");
        var hub = Hub("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://127.0.0.1:1", logs);
        using var stopping = new CancellationTokenSource();

        var creating = hub.EnsureCreatedAsync(stopping.Token);
        // One failed attempt (the storage client's own retries make it take a while) and the hub is still at it.
        await Eventually.UntilAsync(() => Task.FromResult(logs.Entries.Count(e => e.EventId == 1102)), n => n >= 1,
            "a failed attempt logged", TimeSpan.FromSeconds(90));
        Assert.False(creating.IsCompleted);

        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => creating.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Reachable_storage_gets_the_hubs_tables()
    {
        var hub = Hub(storage.ConnectionString, new LogCollector(output, ""));

        await hub.EnsureCreatedAsync(CancellationToken.None);

        var tables = new TableServiceClient(storage.ConnectionString);
        var names = new List<string>();
        await foreach (var table in tables.QueryAsync(t => t.Name.CompareTo(hub.HubName) >= 0 && t.Name.CompareTo(hub.HubName + "~") < 0))
            names.Add(table.Name);
        Assert.Contains(hub.HubName + "Instances", names);
        Assert.Contains(hub.HubName + "History", names);
    }

    private static DurableTaskHub Hub(string connection, LogCollector logs)
    {
        var hubName = "hub" + Guid.NewGuid().ToString("N")[..10];
        var settings = new AppSettings(new Dictionary<string, string> { ["AzureWebJobsStorage"] = connection });
        var hostJson = HostJson.Default with { DurableTask = DurableTaskSettings.Default with { HubName = hubName } };
        return new DurableTaskHub(settings, hostJson, "test-host", LoggerFactory.Create(b => b.AddProvider(logs)));
    }
}
