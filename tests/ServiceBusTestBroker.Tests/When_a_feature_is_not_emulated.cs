using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>What the broker does not emulate fails loudly, so a test of the app cannot pass by relying on it.</summary>
public class When_a_feature_is_not_emulated
{
    [Fact]
    public async Task Scheduling_through_management_fails_as_not_supported()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await using var sender = scope.Client.CreateSender("results");

        await Assert.ThrowsAsync<NotSupportedException>(() => sender.ScheduleMessageAsync(BrokerScope.Message("m1"), DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal(0, scope.Broker.CountMessages("results").Total);
    }

    [Fact]
    public async Task A_message_with_a_scheduled_enqueue_time_is_refused()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        var message = BrokerScope.Message("m1");
        message.ScheduledEnqueueTime = DateTimeOffset.UtcNow.AddMinutes(1);

        await Assert.ThrowsAsync<NotSupportedException>(() => scope.SendAsync("results", message));
        Assert.Equal(0, scope.Broker.CountMessages("results").Total);
    }

    [Fact]
    public async Task Deferring_a_message_fails_and_keeps_it_locked()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");
        var message = await BrokerScope.ReceiveOneAsync(receiver);

        await Assert.ThrowsAsync<NotSupportedException>(() => receiver.DeferMessageAsync(message));
        Assert.Equal(1, scope.Broker.CountMessages("results").Locked);
    }

    [Fact]
    public async Task A_session_receiver_is_refused()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));

        await Assert.ThrowsAsync<NotSupportedException>(() => scope.Client.AcceptSessionAsync("results", "campaign-3"));
    }
}
