namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// A receive that times out may leave credit on its link; a message sent later must still reach a receiver that is
/// reading, with its first delivery, not be locked away on the idle link.
/// </summary>
public class When_a_receive_finds_nothing
{
    [Fact]
    public async Task A_later_message_goes_to_the_next_receive_with_its_first_delivery()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await using var idle = scope.Client.CreateReceiver("results");
        Assert.Null(await idle.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300)));

        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");
        var message = await BrokerScope.ReceiveOneAsync(receiver);

        Assert.Equal(("m1", 1), (message.MessageId, message.DeliveryCount));
    }

    [Fact]
    public async Task The_same_receiver_asking_again_gets_a_message_sent_while_it_waits()
    {
        // A receive that found nothing, then another on the same receiver that is waiting when the message comes.
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await using var receiver = scope.Client.CreateReceiver("results");
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300)));

        var waiting = receiver.ReceiveMessageAsync(BrokerScope.Wait);
        await scope.SendAsync("results", BrokerScope.Message("m1"));

        Assert.Equal("m1", (await waiting)?.MessageId);
    }
}
