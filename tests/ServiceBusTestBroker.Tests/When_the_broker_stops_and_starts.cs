using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// The broker object keeps its messages across <see cref="ServiceBusTestBroker.Stop"/> and
/// <see cref="ServiceBusTestBroker.Start"/> on the same port; connections do not survive, and the SDK reconnects.
/// </summary>
public class When_the_broker_stops_and_starts
{
    [Fact]
    public async Task Messages_accepted_before_the_stop_are_received_after_the_start()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"), BrokerScope.Message("m2"));

        scope.Broker.Stop();
        scope.Broker.Start();
        await using var receiver = scope.Client.CreateReceiver("results");
        var received = await receiver.ReceiveMessagesAsync(2, BrokerScope.Wait);

        Assert.Equal(["m1", "m2"], received.Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_sender_that_was_connected_sends_again_after_the_start()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await using var sender = scope.Client.CreateSender("results");
        await sender.SendMessageAsync(BrokerScope.Message("before"));

        scope.Broker.Stop();
        scope.Broker.Start();
        await sender.SendMessageAsync(BrokerScope.Message("after"));

        Assert.Equal(2, scope.Broker.CountMessages("results").Active);
    }

    [Fact]
    public async Task Messages_locked_at_the_stop_are_back_in_the_queue()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");
        var locked = await BrokerScope.ReceiveOneAsync(receiver);

        scope.Broker.Stop();
        scope.Broker.Start();
        var again = await BrokerScope.ReceiveOneAsync(receiver);

        Assert.Equal(("m1", 2), (again.MessageId, again.DeliveryCount));
        await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteMessageAsync(locked));
        await receiver.CompleteMessageAsync(again);
        Assert.Equal(0, scope.Broker.CountMessages("results").Total);
    }

    [Fact]
    public async Task A_sender_fails_while_the_broker_is_stopped()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await using var sender = scope.Client.CreateSender("results");
        await sender.SendMessageAsync(BrokerScope.Message("before"));

        scope.Broker.Stop();

        await Assert.ThrowsAnyAsync<Exception>(() => sender.SendMessageAsync(BrokerScope.Message("while-stopped")));
        Assert.Equal(1, scope.Broker.CountMessages("results").Active);
    }
}
