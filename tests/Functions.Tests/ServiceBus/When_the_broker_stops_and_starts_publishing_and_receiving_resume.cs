using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.Functions.Integration.ServiceBus;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// The test broker's process stops listening and closes every connection, then starts again, as a namespace outage
/// would look: the publisher fails while it is down (nothing accepted, so nothing lost) and succeeds after; the
/// receiver picks up where it was, messages sent before the stop included.
/// </summary>
[Collection(BrokerRestartCollection.Name)]
public class When_the_broker_stops_and_starts_publishing_and_receiving_resume
{
    private static readonly TestServiceBus Bus = TestServiceBus.Broker;

    [Fact]
    public async Task While_the_broker_is_stopped_publishing_fails_and_after_it_starts_it_succeeds()
    {
        await using var app = new AppSide(Bus.ConnectionString, TestServiceBus.RestartTopic);
        var before = TestEvents.Batch(2, "cmp_restart");
        await app.Publisher.PublishAsync(before, CancellationToken.None);

        await Bus.StopAsync();
        try
        {
            var error = await Assert.ThrowsAsync<EventPublishException>(() => app.Publisher.PublishAsync(TestEvents.Batch(2), CancellationToken.None));
            Assert.Equal(0, error.AcceptedPrefix);
        }
        finally
        {
            await Bus.StartAsync();
        }

        var after = TestEvents.Batch(2, "cmp_restart");
        await app.Publisher.PublishAsync(after, CancellationToken.None); // the SDK reconnects by itself

        var ids = before.Concat(after).Select(e => e.Id).ToHashSet();
        var received = await Bus.ReceiveAsync(TestServiceBus.RestartTopic, m => ids.Contains(m.MessageId), 4, TimeSpan.FromSeconds(20));
        Assert.Equal(before.Concat(after).Select(e => e.Id), received.Select(m => m.MessageId));
    }

    [Fact]
    public async Task The_receiver_resumes_after_the_broker_restarts_and_takes_what_was_sent_meanwhile()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        await using var app = new AppSide(Bus.ConnectionString, callResultsQueue: TestServiceBus.RestartQueue);
        var inbox = new TestInbox();
        var receiver = app.Receiver(inbox);
        await receiver.StartAsync(CancellationToken.None);
        try
        {
            await Bus.SendAsync(TestServiceBus.RestartQueue, TestInbox.Result("before-" + run));
            await inbox.WaitForAsync("before-" + run);
            await Eventually.UntilAsync(() => Task.FromResult(receiver.Settled), settled => settled == 1, "the first result is completed");

            await Bus.StopAsync();
            await Bus.StartAsync();
            await Bus.SendAsync(TestServiceBus.RestartQueue, TestInbox.Result("after-" + run));

            await inbox.WaitForAsync("after-" + run);
        }
        finally
        {
            await receiver.StopAsync(CancellationToken.None);
        }

        Assert.Equal((1, 1), (inbox.CallsOf("before-" + run), inbox.CallsOf("after-" + run)));
    }
}
