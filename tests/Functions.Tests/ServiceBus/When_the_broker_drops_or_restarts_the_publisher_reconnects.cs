using Amqp;
using Campaigns.Functions.Integration.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// Tests that cut the broker's connections or stop it. They run alone (no other test runs beside them), so that
/// a stopped broker does not fail an unrelated test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerRestartCollection
{
    public const string Name = "broker restarts";
}

[Collection(BrokerRestartCollection.Name)]
public class When_the_broker_drops_or_restarts_the_publisher_reconnects
{
    [Fact]
    public async Task After_a_forced_connection_drop_the_next_publish_goes_through()
    {
        var topic = Broker.NewQueue("drop");
        await using var publisher = Broker.Publisher(Broker.Options(topic));
        var before = TestEvents.Batch(3);
        await publisher.PublishAsync(before, CancellationToken.None);

        await Broker.CtlAsync("close_all_connections", "test");
        var after = TestEvents.Batch(3);
        var attempts = await PublishUntilAcceptedAsync(publisher, after); // the drop may be noticed by the first try

        Assert.InRange(attempts, 1, 2);
        var received = await Broker.ReceiveAsync(topic, 6, TimeSpan.FromSeconds(5));
        Assert.Equal(before.Concat(after).Select(e => e.Id), received.Select(m => m.Properties.MessageId).Distinct());
    }

    [Fact]
    public async Task While_the_broker_is_stopped_publishing_fails_and_after_it_starts_it_succeeds()
    {
        var topic = Broker.NewQueue("restart");
        await using var publisher = Broker.Publisher(Broker.Options(topic));
        await publisher.PublishAsync(TestEvents.Batch(2), CancellationToken.None);

        await Broker.CtlAsync("stop_app");
        try
        {
            var error = await Assert.ThrowsAsync<EventPublishException>(() => publisher.PublishAsync(TestEvents.Batch(2), CancellationToken.None));
            Assert.Equal(0, error.AcceptedPrefix);
        }
        finally
        {
            await Broker.CtlAsync("start_app");
        }

        var later = TestEvents.Batch(2);
        await Broker.UntilAcceptingAsync(); // the AMQP listener opens a moment after start_app returns
        await PublishUntilAcceptedAsync(publisher, later); // the first try may still find the dropped connection
        // Whether the first two survived the restart is the broker's business (RabbitMQ's /queue/ queues may not be durable).
        var received = await Broker.ReceiveAsync(topic, 4, TimeSpan.FromSeconds(1));
        Assert.Equal(later.Select(e => e.Id), received.Select(m => m.Properties.MessageId).Where(id => later.Any(e => e.Id == id)).Distinct());
    }

    [Fact]
    public async Task The_listener_reconnects_after_a_forced_connection_drop()
    {
        var queue = Broker.NewQueue("listener-drop");
        var inbox = new TestInbox();
        var listener = new CallResultsListener(Broker.Options("unused", queue), new ServiceCollection().AddSingleton<ICallResultInbox>(inbox).BuildServiceProvider(),
            TimeProvider.System, NullLogger<CallResultsListener>.Instance);
        await listener.StartAsync(CancellationToken.None);
        try
        {
            await Broker.SendAsync(queue, TestInbox.Result("before"));
            await inbox.WaitForAsync("before");

            await Broker.CtlAsync("close_all_connections", "test");
            await Broker.SendAsync(queue, TestInbox.Result("after"));

            await inbox.WaitForAsync("after");
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<int> PublishUntilAcceptedAsync(AmqpEventPublisher publisher, List<OutgoingEvent> events, int maxAttempts = 2)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await publisher.PublishAsync(events, CancellationToken.None);
                return attempt;
            }
            catch (EventPublishException error) when (attempt < maxAttempts)
            {
                // The failed try dropped the broken connection; the next one opens a new connection at once.
                events = events.Skip(error.AcceptedPrefix).ToList();
            }
        }
    }
}
