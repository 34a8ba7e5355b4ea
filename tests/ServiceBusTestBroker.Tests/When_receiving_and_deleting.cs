using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>Receive-and-delete: the SDK attaches with settled sends, and a message is gone as soon as it goes out.</summary>
public class When_receiving_and_deleting
{
    [Fact]
    public async Task A_received_message_is_gone_without_settling_it()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"), BrokerScope.Message("m2"));
        await using var receiver = scope.Client.CreateReceiver("results", new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });

        var first = await BrokerScope.ReceiveOneAsync(receiver);

        Assert.Equal(("m1", 1), (first.MessageId, first.DeliveryCount));
        Assert.Equal(new MessageCounts(Active: 1, Locked: 0), scope.Broker.CountMessages("results"));
    }
}
