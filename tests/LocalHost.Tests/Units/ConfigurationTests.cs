using Campaigns.LocalHost.Configuration;
using Campaigns.LocalHost.Triggers.Blobs;

namespace Campaigns.LocalHost.Tests.Units;

public sealed class ConfigurationTests
{
    [Fact]
    public void HostJson_QueuesSection_IsReadWithTheHostsDefaultsForTheRest()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{"functionTimeout":"00:01:00","extensions":{"http":{"routePrefix":"/v/"},"queues":{"batchSize":64,"maxPollingInterval":"00:00:02","messageEncoding":"none"}}}""");
        var host = HostJson.Load(path);
        Assert.Equal((TimeSpan.FromMinutes(1), "v"), (host.FunctionTimeout, host.RoutePrefix));
        Assert.Equal(new QueueSettings(32, 16, TimeSpan.FromSeconds(2), TimeSpan.Zero, 5, false), host.Queues);
    }

    [Fact]
    public void HostJson_AzureFunctionsJobHost_settings_override_its_values_as_in_the_Functions_host()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{"extensions":{"durableTask":{"hubName":"Hub","storageProvider":{"partitionCount":4,"maxQueuePollingInterval":"00:00:01"}}}}""");
        var host = HostJson.Load(path, new Dictionary<string, string>
        {
            ["AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval"] = "00:00:30",
            ["AzureFunctionsJobHost:Extensions:DurableTask:StorageProvider:PartitionCount"] = "2", // another case, ':' as separator
            ["AzureFunctionsJobHost__extensions__queues__batchSize"] = "8", // a section host.json does not have
            ["SomethingElse__extensions__queues__batchSize"] = "1",
        });
        Assert.Equal(("Hub", 2, TimeSpan.FromSeconds(30)), (host.DurableTask.HubName, host.DurableTask.PartitionCount, host.DurableTask.MaxQueuePollingInterval));
        Assert.Equal(8, host.Queues.BatchSize);
    }

    [Fact]
    public void HostJson_Missing_UsesTheFunctionsHostDefaults() =>
        Assert.Equal(("api", QueueSettings.Default), (HostJson.Load("/no/such/host.json").RoutePrefix, HostJson.Load("/no/such/host.json").Queues));

    [Fact]
    public void Resolve_PercentExpressions_UseAppSettings()
    {
        var settings = new AppSettings(new Dictionary<string, string> { ["Queue"] = "orders", ["Env"] = "dev" });
        Assert.Equal("orders-dev", settings.Resolve("%Queue%-%env%"));
        Assert.Throws<InvalidOperationException>(() => settings.Resolve("%Missing%"));
    }

    [Fact]
    public void BlobPath_Pattern_MatchesNamesAndCapturesParameters()
    {
        var pattern = new BlobPathPattern("uploads/in/{name}.csv");
        Assert.Equal(("uploads", "in/"), (pattern.Container, pattern.Prefix));
        Assert.True(pattern.TryMatch("in/2026/list.csv", out var values));
        Assert.Equal("2026/list", values["name"]);
        Assert.False(pattern.TryMatch("in/list.txt", out _));
    }
}
