using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>Entities exist only if the test declared them; other addresses are refused as Service Bus refuses them.</summary>
public class When_an_entity_is_not_declared
{
    [Fact]
    public async Task Sending_to_an_unknown_queue_fails_with_entity_not_found()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await using var sender = scope.Client.CreateSender("no-such-queue");

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessageAsync(BrokerScope.Message("m1")));

        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, error.Reason);
    }

    [Fact]
    public async Task Receiving_from_an_unknown_subscription_fails_with_entity_not_found()
    {
        await using var scope = BrokerScope.Start(b => b.AddTopic("campaign-events").AddSubscription("all"));
        await using var receiver = scope.Client.CreateReceiver("campaign-events", "no-such-subscription");

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(1)));

        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, error.Reason);
    }

    [Fact]
    public async Task Receiving_from_a_topic_itself_is_refused()
    {
        await using var scope = BrokerScope.Start(b => b.AddTopic("campaign-events").AddSubscription("all"));
        await using var receiver = scope.Client.CreateReceiver("campaign-events");

        await Assert.ThrowsAsync<InvalidOperationException>(() => receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(1)));
    }
}
