using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;
using Campaigns.LocalHost.Triggers.Blobs;

namespace Campaigns.LocalHost.Tests.Blobs;

/// <summary>
/// A blob whose function fails is tried again on later scans, maxDequeueCount (5) times in all, then reported on the
/// queue <c>webjobs-blobtrigger-poison</c> and left alone, as the Functions host does.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_a_blob_keeps_failing(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task It_is_tried_five_times_then_reported_on_the_poison_queue()
    {
        await using var app = await SampleApp.StartAsync(storage, output);
        var container = new BlobContainerClient(storage.ConnectionString, app.Settings["UploadsContainer"]);
        await container.CreateIfNotExistsAsync();
        var poison = new QueueClient(storage.ConnectionString, BlobTriggerListener.PoisonQueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

        await container.UploadBlobAsync("bad.csv", BinaryData.FromString("fail"));

        await Eventually.UntilAsync(async () => await PoisonedAsync(poison, container.Name), found => found, "the blob was reported as poison");
        Assert.Equal(5, (await app.RecordsAsync("blob", "bad.csv")).Count);
        var listener = app.Host.Listeners.OfType<BlobTriggerListener>().Single(l => l.FunctionName == "Upload");
        var scans = listener.CompletedScans;
        await Eventually.UntilAsync(() => Task.FromResult(listener.CompletedScans), n => n >= scans + 2, "two more scans");
        Assert.Equal(5, (await app.RecordsAsync("blob", "bad.csv")).Count); // left alone after that
    }

    private static async Task<bool> PoisonedAsync(QueueClient poison, string container)
    {
        if (!(await poison.ExistsAsync()).Value)
            return false;
        var messages = (await poison.PeekMessagesAsync(32)).Value;
        return messages.Any(m => JsonNode.Parse(m.Body.ToString())?["ContainerName"]?.GetValue<string>() == container);
    }
}
