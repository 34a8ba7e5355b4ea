using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>Dead-lettering, by the receiver or by the max delivery count, into the entity's own <c>$DeadLetterQueue</c>.</summary>
public class When_a_message_is_dead_lettered
{
    [Fact]
    public async Task It_is_in_the_dead_letter_queue_with_the_reason_and_description()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1", "payload"));
        await using var receiver = scope.Client.CreateReceiver("results");
        await receiver.DeadLetterMessageAsync(await BrokerScope.ReceiveOneAsync(receiver), "BadPayload", "The call id is unknown.");
        await using var deadLetters = scope.Client.CreateReceiver("results", new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });

        var dead = await BrokerScope.ReceiveOneAsync(deadLetters);

        Assert.Equal(("m1", "payload"), (dead.MessageId, dead.Body.ToString()));
        Assert.Equal(("BadPayload", "The call id is unknown."), (dead.DeadLetterReason, dead.DeadLetterErrorDescription));
        Assert.Equal("BadPayload", dead.ApplicationProperties["DeadLetterReason"]);
        Assert.Equal(0, scope.Broker.CountMessages("results").Total);
    }

    [Fact]
    public async Task It_goes_there_after_the_max_delivery_count()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results", maxDeliveryCount: 3));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");
        var counts = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var message = await BrokerScope.ReceiveOneAsync(receiver);
            counts.Add(message.DeliveryCount);
            await receiver.AbandonMessageAsync(message);
        }

        await using var deadLetters = scope.Client.CreateReceiver("results", new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await BrokerScope.ReceiveOneAsync(deadLetters);

        Assert.Equal([1, 2, 3], counts);
        Assert.Equal(("m1", "MaxDeliveryCountExceeded"), (dead.MessageId, dead.DeadLetterReason));
        Assert.Equal("Message could not be consumed after 3 delivery attempts.", dead.DeadLetterErrorDescription);
        Assert.Equal(0, scope.Broker.CountMessages("results").Total);
    }

    [Fact]
    public async Task Completing_it_from_the_dead_letter_queue_removes_it()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");
        await receiver.DeadLetterMessageAsync(await BrokerScope.ReceiveOneAsync(receiver));
        await using var deadLetters = scope.Client.CreateReceiver("results", new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });

        await deadLetters.CompleteMessageAsync(await BrokerScope.ReceiveOneAsync(deadLetters));

        Assert.Equal(0, scope.Broker.CountMessages("results/$DeadLetterQueue").Total);
    }

    [Fact]
    public async Task A_subscription_has_a_dead_letter_queue_of_its_own()
    {
        await using var scope = BrokerScope.Start(b => b.AddTopic("campaign-events").AddSubscription("all").AddSubscription("audit"));
        await scope.SendAsync("campaign-events", BrokerScope.Message("e1"));
        await using var receiver = scope.Client.CreateReceiver("campaign-events", "all");
        await receiver.DeadLetterMessageAsync(await BrokerScope.ReceiveOneAsync(receiver), "Poison", "Cannot parse.");
        await using var deadLetters = scope.Client.CreateReceiver("campaign-events", "all", new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });

        var dead = await BrokerScope.ReceiveOneAsync(deadLetters);

        Assert.Equal(("e1", "Poison"), (dead.MessageId, dead.DeadLetterReason));
        Assert.Equal(0, scope.Broker.CountMessages("campaign-events/Subscriptions/audit/$DeadLetterQueue").Total);
        Assert.Equal(1, scope.Broker.CountMessages("campaign-events/Subscriptions/audit").Active);
    }
}
