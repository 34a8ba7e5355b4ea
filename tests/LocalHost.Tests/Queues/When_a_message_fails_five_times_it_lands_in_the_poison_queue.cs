using Azure.Storage.Queues;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;

namespace Campaigns.LocalHost.Tests.Queues;

/// <summary>
/// A queue message whose function keeps failing is tried maxDequeueCount (5) times, each try seeing its dequeue count,
/// then moved to <c>{queue}-poison</c> with its content, as the Functions host does. A good message beside it is
/// processed once and deleted.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_a_message_fails_five_times_it_lands_in_the_poison_queue(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task It_is_tried_five_times_then_moved_to_the_poison_queue()
    {
        await using var app = await SampleApp.StartAsync(storage, output);
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }; // host.json messageEncoding
        var queue = new QueueClient(storage.ConnectionString, app.Settings["WorkQueue"], options);
        var poison = new QueueClient(storage.ConnectionString, app.Settings["WorkQueue"] + "-poison", options);
        await queue.CreateIfNotExistsAsync();

        var failing = (await queue.SendMessageAsync("fail")).Value.MessageId;
        var good = (await queue.SendMessageAsync("hello")).Value.MessageId;

        var poisoned = await Eventually.UntilAsync(
            async () => (await poison.ExistsAsync()).Value ? (await poison.PeekMessagesAsync(10)).Value : [],
            messages => messages.Length > 0, "the failing message reached the poison queue");
        Assert.Equal("fail", Assert.Single(poisoned).Body.ToString());

        var tries = await app.RecordsAsync("queue", failing);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], tries.Select(SampleApp.DequeueCount).Order());
        Assert.All(tries, t => Assert.NotNull(t["seen"]!["insertionTime"]));
        var goodRecords = await app.RecordsAsync("queue", good);
        Assert.Equal(["completed", "started"], goodRecords.Select(SampleApp.Stage).Order());
        Assert.Equal(1L, SampleApp.DequeueCount(goodRecords[0]));
        Assert.Empty((await queue.PeekMessagesAsync(10)).Value);
    }
}
