using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

public class Smoke
{
    [Fact]
    public async Task Send_and_receive()
    {
        using var broker = new ServiceBusTestBroker();
        broker.AddQueue("results");
        broker.Start();
        await using var client = new ServiceBusClient(broker.ConnectionString);
        await using var sender = client.CreateSender("results");
        await sender.SendMessageAsync(new ServiceBusMessage("hello") { MessageId = "m1" });
        await using var receiver = client.CreateReceiver("results");
        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(message);
        Assert.Equal("hello", message.Body.ToString());
        await receiver.CompleteMessageAsync(message);
        Assert.Equal(0, broker.CountMessages("results").Total);
    }
}
