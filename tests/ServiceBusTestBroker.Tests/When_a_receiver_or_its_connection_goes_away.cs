namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// Locks belong to the link that received the message: when it closes, or its connection does, the messages it held
/// go back to the queue at once (not at lock expiry), with the delivery counted.
/// </summary>
public class When_a_receiver_or_its_connection_goes_away
{
    [Fact]
    public async Task Closing_the_receiver_puts_its_locked_messages_back()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        var receiver = scope.Client.CreateReceiver("results");
        await BrokerScope.ReceiveOneAsync(receiver);

        await receiver.CloseAsync();
        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results").Active == 1, "the message is back");
        await using var next = scope.Client.CreateReceiver("results");
        var again = await BrokerScope.ReceiveOneAsync(next);

        Assert.Equal(("m1", 2), (again.MessageId, again.DeliveryCount));
    }

    [Fact]
    public async Task Closing_the_client_puts_its_locked_messages_back()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"), BrokerScope.Message("m2"));
        var client = scope.NewClient();
        var receiver = client.CreateReceiver("results");
        await receiver.ReceiveMessagesAsync(2, BrokerScope.Wait);
        Assert.Equal(2, scope.Broker.CountMessages("results").Locked);

        await client.DisposeAsync();

        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results").Active == 2, "both messages are back");
    }
}
