using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Campaigns.Functions.Integration.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// The Service Bus baseline for the event publisher: <c>count</c> messages of the publisher's shape
/// (<see cref="ServiceBusEventPublisher.ToMessage"/>) sent with a plain <see cref="ServiceBusSender"/> in
/// <see cref="ServiceBusMessageBatch"/>es filled to the entity's size limit, one batch after the other, as the SDK's
/// documentation shows. <see cref="PublisherAsync"/> sends the same through the app's <see cref="ServiceBusEventPublisher"/>.
/// </summary>
internal static class RawServiceBusSend
{
    public static async Task<(TimeSpan Elapsed, double MessagesPerSecond)> RunAsync(string connectionString, string topic, int count, byte[] bodyBytes)
    {
        await using var client = new ServiceBusClient(connectionString);
        await using var sender = client.CreateSender(topic);
        var events = Enumerable.Range(0, count).Select(i => Event(i, bodyBytes)).ToList();
        await sender.SendMessageAsync(ServiceBusEventPublisher.ToMessage(events[0])); // connect outside the timing
        var watch = Stopwatch.StartNew();
        var next = 1;
        while (next < count)
        {
            using var batch = await sender.CreateMessageBatchAsync();
            while (next < count && batch.TryAddMessage(ServiceBusEventPublisher.ToMessage(events[next])))
                next++;
            await sender.SendMessagesAsync(batch);
        }

        watch.Stop();
        return (watch.Elapsed, (count - 1) / watch.Elapsed.TotalSeconds);
    }

    /// <summary>The same messages through <see cref="ServiceBusEventPublisher"/>, <paramref name="perCall"/> events a call.</summary>
    public static async Task<(TimeSpan Elapsed, double MessagesPerSecond)> PublisherAsync(string connectionString, string topic, int count, byte[] bodyBytes, int perCall = 2_000)
    {
        var options = ServiceBusOptions.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ServiceBusConnection"] = connectionString,
            ["ServiceBusTopic"] = topic,
        }).Build());
        await using var client = options.Connection!.CreateClient(options.ClientOptions(), null);
        var publisher = new ServiceBusEventPublisher(options, () => client, NullLogger<ServiceBusEventPublisher>.Instance);
        var events = Enumerable.Range(0, count).Select(i => Event(i, bodyBytes, campaigns: 1)).ToList();
        await publisher.PublishAsync(events.Take(1).ToList(), CancellationToken.None); // connect outside the timing
        var watch = Stopwatch.StartNew();
        foreach (var batch in events.Skip(1).Chunk(perCall))
            await publisher.PublishAsync(batch, CancellationToken.None);
        watch.Stop();
        return (watch.Elapsed, (count - 1) / watch.Elapsed.TotalSeconds);
    }

    private static OutgoingEvent Event(int i, byte[] body, int campaigns = 16) =>
        new($"bench-{i}-{Guid.NewGuid():N}", "campaign.contact.called", "cmp_bench_" + (i % campaigns), "ws_bench", body);
}
