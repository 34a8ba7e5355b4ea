using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>The SDK sends several messages as one transfer in its batch format; the broker stores each on its own.</summary>
public class When_sending_batches
{
    [Fact]
    public async Task Each_message_of_a_batch_arrives_on_its_own_in_order()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await using var sender = scope.Client.CreateSender("results");
        using var batch = await sender.CreateMessageBatchAsync();
        foreach (var i in Enumerable.Range(1, 5))
            Assert.True(batch.TryAddMessage(new ServiceBusMessage($"body {i}") { MessageId = $"m{i}", Subject = $"s{i}" }));

        await sender.SendMessagesAsync(batch);
        await using var receiver = scope.Client.CreateReceiver("results");
        var received = new List<ServiceBusReceivedMessage>();
        while (received.Count < 5)
            received.AddRange(await receiver.ReceiveMessagesAsync(5 - received.Count, BrokerScope.Wait));

        Assert.Equal(Enumerable.Range(1, 5).Select(i => ($"m{i}", $"s{i}", $"body {i}", (long)i)), received.Select(m => (m.MessageId, m.Subject, m.Body.ToString(), m.SequenceNumber)));
    }

    [Fact]
    public async Task A_batch_is_bounded_by_the_max_message_size_the_broker_announces()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await using var sender = scope.Client.CreateSender("results");

        using var batch = await sender.CreateMessageBatchAsync();

        Assert.Equal(256 * 1024, batch.MaxSizeInBytes);
        Assert.True(batch.TryAddMessage(new ServiceBusMessage(new byte[100 * 1024])));
        Assert.True(batch.TryAddMessage(new ServiceBusMessage(new byte[100 * 1024])));
        Assert.False(batch.TryAddMessage(new ServiceBusMessage(new byte[100 * 1024])));
    }
}
