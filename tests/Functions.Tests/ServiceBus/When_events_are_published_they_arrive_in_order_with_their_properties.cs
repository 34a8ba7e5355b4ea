using Amqp.Framing;
using Amqp.Types;
using Campaigns.Functions.Integration.ServiceBus;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>A batch travels pipelined on one link and arrives in order, each event with every mapped property.</summary>
public class When_events_are_published_they_arrive_in_order_with_their_properties
{
    [Fact]
    public async Task Every_event_arrives_once_in_order_with_its_properties_and_body()
    {
        var topic = Broker.NewQueue("order");
        await using var publisher = Broker.Publisher(Broker.Options(topic, maxUnsettled: 50)); // 300 events: the window fills and drains
        var first = TestEvents.Batch(150, "cmp_a");
        var second = TestEvents.Batch(150, "cmp_b");

        await publisher.PublishAsync(first, CancellationToken.None);
        await publisher.PublishAsync(second, CancellationToken.None);

        var received = await Broker.ReceiveAsync(topic, 300, TimeSpan.FromSeconds(10));
        var sent = first.Concat(second).ToList();
        Assert.Empty(await Broker.ReceiveAsync(topic, 1, TimeSpan.FromMilliseconds(300))); // once each
        Assert.Equal(sent.Select(e => e.Id), received.Select(m => m.Properties.MessageId));
        for (var i = 0; i < sent.Count; i++)
        {
            var (e, m) = (sent[i], received[i]);
            Assert.Equal(e.Type, m.Properties.Subject);
            Assert.Equal(AmqpEventPublisher.ContentType, (string)m.Properties.ContentType);
            Assert.True(m.Header.Durable);
            Assert.Equal(e.CampaignId, m.ApplicationProperties["campaign_id"]);
            Assert.Equal(e.Workspace, m.ApplicationProperties["workspace"]);
            Assert.Equal(e.Type, m.ApplicationProperties["event_type"]);
            Assert.Equal(e.CampaignId, m.MessageAnnotations[new Symbol("x-opt-partition-key")]);
            Assert.Equal(e.Body.ToArray(), Assert.IsType<Data>(m.BodySection).Binary);
        }
    }

    [Fact]
    public async Task Concurrent_batches_each_keep_their_order()
    {
        var topic = Broker.NewQueue("concurrent");
        await using var publisher = Broker.Publisher(Broker.Options(topic));
        var batches = Enumerable.Range(0, 4).Select(b => TestEvents.Batch(40, "cmp_" + b)).ToList();

        await Task.WhenAll(batches.Select(batch => Task.Run(() => publisher.PublishAsync(batch, CancellationToken.None))));

        var received = await Broker.ReceiveAsync(topic, 160, TimeSpan.FromSeconds(10));
        Assert.Equal(160, received.Count);
        foreach (var batch in batches)
        {
            var campaign = batch[0].CampaignId;
            Assert.Equal(batch.Select(e => e.Id), received.Where(m => (string)m.ApplicationProperties["campaign_id"] == campaign).Select(m => m.Properties.MessageId));
        }
    }

    [Fact]
    public async Task A_target_the_broker_refuses_fails_the_batch_with_nothing_accepted()
    {
        await using var refused = Broker.Publisher(Broker.Options("/no-such-kind/x"));

        var error = await Assert.ThrowsAsync<EventPublishException>(() => refused.PublishAsync(TestEvents.Batch(3), CancellationToken.None));

        Assert.Equal(0, error.AcceptedPrefix);
        Assert.DoesNotContain("guest:guest", error.Message);
    }
}
