using System.Text;
using Campaigns.Functions.Integration.ServiceBus;
using Campaigns.Testing.ServiceBus;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// The publisher sends through the SDK in message batches, in order, each event with every mapped property; a batch
/// refused part-way reports the prefix the broker accepted.
/// </summary>
public class When_events_are_published_they_arrive_in_order_with_their_properties
{
    private static readonly TestServiceBus Bus = TestServiceBus.Broker;

    [Fact]
    public async Task Every_event_arrives_once_in_order_with_its_properties_and_body()
    {
        // 300 events, at most 40 a batch: several batches per call, each campaign's own.
        await using var app = new AppSide(Bus.ConnectionString, TestServiceBus.PublisherTopic, tuning: new Dictionary<string, string?> { ["ServiceBus:MaxBatchEvents"] = "40" });
        var first = TestEvents.Batch(150, "cmp_a");
        var second = TestEvents.Batch(150, "cmp_b");

        await app.Publisher.PublishAsync(first, CancellationToken.None);
        await app.Publisher.PublishAsync(second, CancellationToken.None);

        var sent = first.Concat(second).ToList();
        var ids = sent.Select(e => e.Id).ToHashSet();
        var received = await Bus.ReceiveAsync(TestServiceBus.PublisherTopic, m => ids.Contains(m.MessageId), sent.Count, TimeSpan.FromSeconds(20));
        Assert.Equal(sent.Select(e => e.Id), received.Select(m => m.MessageId)); // in order, once each
        for (var i = 0; i < sent.Count; i++)
        {
            var (e, m) = (sent[i], received[i]);
            Assert.Equal(e.Type, m.Subject);
            Assert.Equal(ServiceBusEventPublisher.ContentType, m.ContentType);
            Assert.Equal(e.CampaignId, m.ApplicationProperties["campaign_id"]);
            Assert.Equal(e.Workspace, m.ApplicationProperties["workspace"]);
            Assert.Equal(e.Type, m.ApplicationProperties["event_type"]);
            Assert.Equal(e.CampaignId, m.PartitionKey);
            Assert.Equal(e.Body.ToArray(), m.Body.ToArray());
        }
    }

    [Fact]
    public async Task Concurrent_callers_each_keep_their_order()
    {
        await using var app = new AppSide(Bus.ConnectionString, TestServiceBus.PublisherTopic);
        var batches = Enumerable.Range(0, 4).Select(b => TestEvents.Batch(40, "cmp_c" + b + Guid.NewGuid().ToString("N")[..6])).ToList();

        await Task.WhenAll(batches.Select(batch => Task.Run(() => app.Publisher.PublishAsync(batch, CancellationToken.None))));

        var ids = batches.SelectMany(b => b).Select(e => e.Id).ToHashSet();
        var received = await Bus.ReceiveAsync(TestServiceBus.PublisherTopic, m => ids.Contains(m.MessageId), ids.Count, TimeSpan.FromSeconds(20));
        Assert.Equal(160, received.Count);
        foreach (var batch in batches)
            Assert.Equal(batch.Select(e => e.Id), received.Where(m => (string)m.ApplicationProperties["campaign_id"] == batch[0].CampaignId).Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_topic_that_does_not_exist_fails_the_call_with_nothing_accepted()
    {
        await using var app = new AppSide(Bus.ConnectionString, "no-such-topic");

        var error = await Assert.ThrowsAsync<EventPublishException>(() => app.Publisher.PublishAsync(TestEvents.Batch(3), CancellationToken.None));

        Assert.Equal(0, error.AcceptedPrefix);
        Assert.Contains("no-such-topic", error.Message);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_the_error_does_not_show_the_key()
    {
        const string wrongKey = "V3JvbmdLZXktbm90LXRoZS1icm9rZXJzLWtleQ==";
        var connection = Bus.ConnectionString.Replace(ServiceBusTestBroker.DefaultKey, wrongKey, StringComparison.Ordinal);
        await using var app = new AppSide(connection, TestServiceBus.PublisherTopic);

        var error = await Assert.ThrowsAsync<EventPublishException>(() => app.Publisher.PublishAsync(TestEvents.Batch(2), CancellationToken.None));

        Assert.Equal(0, error.AcceptedPrefix);
        Assert.DoesNotContain(wrongKey, error.ToString());
        Assert.DoesNotContain(wrongKey, app.Options.Connection!.ToString());
    }

    [Fact]
    public async Task An_event_larger_than_the_entity_takes_ends_the_call_after_the_events_before_it()
    {
        using var small = new ServiceBusTestBroker(maxMessageSize: 8 * 1024);
        small.AddTopic("small-events").AddSubscription(TestServiceBus.Subscription);
        small.Start();
        await using var app = new AppSide(small.ConnectionString, "small-events", tuning: new Dictionary<string, string?> { ["ServiceBus:MaxBatchEvents"] = "2" });
        var events = TestEvents.Batch(5, "cmp_big");
        events[3] = events[3] with { Body = Encoding.UTF8.GetBytes(new string('x', 16 * 1024)) };

        var error = await Assert.ThrowsAsync<EventPublishException>(() => app.Publisher.PublishAsync(events, CancellationToken.None));

        Assert.Equal(3, error.AcceptedPrefix);
        Assert.Contains(events[3].Id, error.Message);
        await using var client = new Azure.Messaging.ServiceBus.ServiceBusClient(small.ConnectionString, TestServiceBus.ClientOptions());
        await using var receiver = client.CreateReceiver("small-events", TestServiceBus.Subscription);
        var received = await receiver.ReceiveMessagesAsync(10, TimeSpan.FromSeconds(5));
        while (received.Count < 3 && await receiver.ReceiveMessagesAsync(10, TimeSpan.FromSeconds(5)) is { Count: > 0 } more)
            received = [.. received, .. more];
        Assert.Equal(events.Take(3).Select(e => e.Id), received.Select(m => m.MessageId));
    }
}

/// <summary>Test data: integration events with distinct ids.</summary>
internal static class TestEvents
{
    public static OutgoingEvent One(int n, string campaignId = "cmp_1", string workspace = "ws_1", string type = "campaign.contact.called") =>
        new("evt_" + Guid.NewGuid().ToString("N"), type, campaignId, workspace,
            Encoding.UTF8.GetBytes($$$"""{"specversion":"1.0","id":"{{{n}}}","type":"{{{type}}}","data":{"n":{{{n}}}}}"""));

    public static List<OutgoingEvent> Batch(int count, string campaignId = "cmp_1") =>
        Enumerable.Range(1, count).Select(n => One(n, campaignId)).ToList();
}
