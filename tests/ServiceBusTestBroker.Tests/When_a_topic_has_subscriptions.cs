using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>A topic copies each message to every subscription, and each subscription settles its copy on its own.</summary>
public class When_a_topic_has_subscriptions
{
    [Fact]
    public async Task Each_subscription_gets_its_own_copy_with_the_topics_sequence_number()
    {
        await using var scope = BrokerScope.Start(b => b.AddTopic("campaign-events").AddSubscription("all").AddSubscription("audit"));
        await scope.SendAsync("campaign-events", BrokerScope.Message("e1"), BrokerScope.Message("e2"));
        await using var all = scope.Client.CreateReceiver("campaign-events", "all");
        await using var audit = scope.Client.CreateReceiver("campaign-events", "audit");

        var fromAll = await all.ReceiveMessagesAsync(2, BrokerScope.Wait);
        var fromAudit = await audit.ReceiveMessagesAsync(2, BrokerScope.Wait);

        Assert.Equal([("e1", 1L), ("e2", 2L)], fromAll.Select(m => (m.MessageId, m.SequenceNumber)));
        Assert.Equal([("e1", 1L), ("e2", 2L)], fromAudit.Select(m => (m.MessageId, m.SequenceNumber)));
    }

    [Fact]
    public async Task Completing_on_one_subscription_leaves_the_others_copy()
    {
        await using var scope = BrokerScope.Start(b => b.AddTopic("campaign-events").AddSubscription("all").AddSubscription("audit"));
        await scope.SendAsync("campaign-events", BrokerScope.Message("e1"));
        await using var all = scope.Client.CreateReceiver("campaign-events", "all");

        await all.CompleteMessageAsync(await BrokerScope.ReceiveOneAsync(all));

        Assert.Equal(0, scope.Broker.CountMessages("campaign-events/Subscriptions/all").Total);
        Assert.Equal(1, scope.Broker.CountMessages("campaign-events/Subscriptions/audit").Active);
    }

    [Fact]
    public async Task A_message_sent_before_a_subscription_exists_is_not_in_it()
    {
        await using var scope = BrokerScope.Start(_ => { });
        var topic = scope.Broker.AddTopic("campaign-events").AddSubscription("all");
        await scope.SendAsync("campaign-events", BrokerScope.Message("e1"));

        topic.AddSubscription("late");

        Assert.Equal(1, scope.Broker.CountMessages("campaign-events/Subscriptions/all").Active);
        Assert.Equal(0, scope.Broker.CountMessages("campaign-events/Subscriptions/late").Total);
    }
}
