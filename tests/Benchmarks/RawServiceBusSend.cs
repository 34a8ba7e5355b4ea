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
        await SendAsync(sender, Events(WarmUp, bodyBytes)); // connected and compiled outside the timing
        await Jit.QuietAsync();
        var events = Events(count, bodyBytes);
        var watch = Stopwatch.StartNew();
        await SendAsync(sender, events);
        watch.Stop();
        return (watch.Elapsed, count / watch.Elapsed.TotalSeconds);
    }

    /// <summary>Messages sent untimed first by both runs, so that neither pays for connecting or for the JIT.</summary>
    private const int WarmUp = 5_000;

    private static async Task SendAsync(ServiceBusSender sender, List<OutgoingEvent> events)
    {
        var next = 0;
        while (next < events.Count)
        {
            using var batch = await sender.CreateMessageBatchAsync();
            while (next < events.Count && batch.TryAddMessage(ServiceBusEventPublisher.ToMessage(events[next])))
                next++;
            await sender.SendMessagesAsync(batch);
        }
    }

    /// <summary>The same messages through <see cref="ServiceBusEventPublisher"/>, <paramref name="perCall"/> events a call.</summary>
    public static async Task<(TimeSpan Elapsed, double MessagesPerSecond)> PublisherAsync(string connectionString, string topic, int count, byte[] bodyBytes, int perCall = 2_000)
    {
        var options = ServiceBusOptions.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ServiceBusConnection"] = connectionString,
            ["ServiceBusTopic"] = topic,
        }).Build());
        await using var client = options.Connection!.CreateClient(options.ClientOptions());
        var publisher = new ServiceBusEventPublisher(options, () => client, NullLogger<ServiceBusEventPublisher>.Instance);
        foreach (var batch in Events(WarmUp, bodyBytes).Chunk(perCall))
            await publisher.PublishAsync(batch, CancellationToken.None);
        await Jit.QuietAsync();
        var events = Events(count, bodyBytes);
        var watch = Stopwatch.StartNew();
        foreach (var batch in events.Chunk(perCall))
            await publisher.PublishAsync(batch, CancellationToken.None);
        watch.Stop();
        return (watch.Elapsed, count / watch.Elapsed.TotalSeconds);
    }

    /// <summary>Events of one campaign (one partition key, as the relay sends them), distinct ids.</summary>
    private static List<OutgoingEvent> Events(int count, byte[] body) => Enumerable.Range(0, count)
        .Select(i => new OutgoingEvent($"bench-{i}-{Guid.NewGuid():N}", "campaign.contact.called", "cmp_bench", "ws_bench", body)).ToList();
}
