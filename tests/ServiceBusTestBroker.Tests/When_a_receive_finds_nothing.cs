namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// A receive that times out leaves credit on its link, which the SDK then drains; the broker answers the drain by
/// giving the credit up, so a message sent later is not locked away on a link that nobody is reading.
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
}
