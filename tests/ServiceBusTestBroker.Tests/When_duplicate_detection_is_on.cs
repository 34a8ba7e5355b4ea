using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// An entity declared with a duplicate detection window accepts a repeated MessageId (the sender sees success) but
/// stores it once, which the app relies on by sending each event with its event id as MessageId.
/// </summary>
public class When_duplicate_detection_is_on
{
    [Fact]
    public async Task A_message_id_sent_twice_reaches_each_subscription_once()
    {
        await using var scope = BrokerScope.Start(b => b.AddTopic("campaign-events", duplicateDetectionWindow: TimeSpan.FromMinutes(10)).AddSubscription("all"));

        await scope.SendAsync("campaign-events", BrokerScope.Message("event-1", "first"), BrokerScope.Message("event-1", "resent"), BrokerScope.Message("event-2"));

        await using var receiver = scope.Client.CreateReceiver("campaign-events", "all");
        var peeked = await receiver.PeekMessagesAsync(10);
        Assert.Equal([("event-1", "first"), ("event-2", "body")], peeked.Select(m => (m.MessageId, m.Body.ToString())));
    }

    [Fact]
    public async Task A_duplicate_inside_a_batch_is_dropped_too()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results", duplicateDetectionWindow: TimeSpan.FromMinutes(10)));
        await using var sender = scope.Client.CreateSender("results");

        await sender.SendMessagesAsync([BrokerScope.Message("a"), BrokerScope.Message("a"), BrokerScope.Message("b")]);

        Assert.Equal(2, scope.Broker.CountMessages("results").Active);
    }

    [Fact]
    public async Task Without_it_a_repeated_message_id_is_stored_twice()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));

        await scope.SendAsync("results", BrokerScope.Message("event-1"), BrokerScope.Message("event-1"));

        Assert.Equal(2, scope.Broker.CountMessages("results").Active);
    }
}
