using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Campaigns.Functions.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Campaigns.Functions.Tests.Hosting;

/// <summary>A test function with a blob trigger, driven by the local trigger host of two app instances.</summary>
public sealed class BlobTriggerFixture : AppFixture
{
    public BlobTriggerFixture() : this(Path.Combine(Path.GetTempPath(), "campaigns-fn-" + Guid.NewGuid().ToString("N")))
    {
    }

    private BlobTriggerFixture(string functionsPath) : base(DateTimeOffset.UtcNow, new()
    {
        ["LocalTriggerHost:AdditionalFunctionsPath"] = functionsPath,
        ["LocalTriggerHost:BlobPollingIntervalSeconds"] = "0.2",
    })
    {
        Container = "blobs-" + Guid.NewGuid().ToString("N")[..12];
        Directory.CreateDirectory(Path.Combine(functionsPath, "TestBlob"));
        File.WriteAllText(Path.Combine(functionsPath, "TestBlob", "function.json"), $$"""
            {"bindings": [{"type": "blobTrigger", "direction": "in", "name": "blob", "path": "{{Container}}/{name}", "connection": "AzureWebJobsStorage"}]}
            """);
    }

    public string Container { get; }

    public ConcurrentQueue<(string Name, string? Content)> Invocations { get; } = new();

    protected override void Map(WebApplication app) => app.MapPost("/TestBlob", async (HttpRequest request) =>
    {
        var payload = (await JsonNode.ParseAsync(request.Body))!;
        var name = payload["Metadata"]!["name"]!.GetValue<string>();
        var data = payload["Data"]!["blob"]?.GetValue<string>();
        Invocations.Enqueue((name, data is null ? null : System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data))));
        return name.StartsWith("bad", StringComparison.Ordinal) ? Results.StatusCode(500) : Results.Ok(new { Outputs = new { }, Logs = Array.Empty<string>() });
    });
}

public sealed class When_a_blob_arrives_the_local_host_triggers_its_function_once(BlobTriggerFixture app) : IClassFixture<BlobTriggerFixture>
{
    [Fact]
    public async Task Each_blob_is_processed_once_even_with_two_hosts_and_a_failing_one_is_poisoned_after_five_tries()
    {
        await using var second = await app.StartAnotherHostAsync();
        var container = new BlobServiceClient(app.StorageConnectionString).GetBlobContainerClient(app.Prefix + "-" + app.Container); // the host prefixes container names as it does queue names
        await container.CreateIfNotExistsAsync();

        await container.UploadBlobAsync("first.csv", BinaryData.FromString("primary_phone\n+12125550100\n"));
        await Eventually.UntilAsync(() => Task.FromResult(app.Invocations.Count(i => i.Name == "first.csv")), n => n >= 1, "first.csv is processed");
        Assert.Equal("primary_phone\n+12125550100\n", app.Invocations.First(i => i.Name == "first.csv").Content);

        await container.UploadBlobAsync("bad.csv", BinaryData.FromString("broken"));
        var poison = new QueueClient(app.StorageConnectionString, "webjobs-blobtrigger-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await Eventually.UntilAsync(async () => (await poison.ExistsAsync()).Value && (await poison.PeekMessagesAsync(32)).Value.Any(m => m.MessageText.Contains("bad.csv") && m.MessageText.Contains(app.Container)),
            found => found, "bad.csv is poisoned", TimeSpan.FromSeconds(30));
        Assert.Equal(5, app.Invocations.Count(i => i.Name == "bad.csv"));

        await container.UploadBlobAsync("second.csv", BinaryData.FromString("x"));
        await Eventually.UntilAsync(() => Task.FromResult(app.Invocations.Count(i => i.Name == "second.csv")), n => n >= 1, "second.csv is processed");
        // By now both hosts have scanned first.csv many times over: its receipt kept it to one delivery.
        Assert.Equal(1, app.Invocations.Count(i => i.Name == "first.csv"));
        Assert.Equal(1, app.Invocations.Count(i => i.Name == "second.csv"));
    }
}
