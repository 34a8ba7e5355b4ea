using Amqp;
using System.Text;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.Functions.Tests.ServiceBus;

namespace Campaigns.Functions.Tests.Events;

/// <summary>The app publishing to the test run's RabbitMQ (AMQP 1.0) on a queue of its own; short broker back-off.</summary>
public sealed class BrokerEventsFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "0",
    ["Engine:MaxCallsInProgress"] = "5",
    ["Events:MaxDelaySeconds"] = "1",
    ["Events:BrokerRetryMaxSeconds"] = "2",
    ["ServiceBusConnection"] = Broker.Url,
    ["ServiceBusTopic"] = Topic,
})
{
    public static readonly string Topic = Broker.NewQueue("campaign-events");
}

[Collection(BrokerRestartCollection.Name)] // stops the broker: nothing else may use it meanwhile
public sealed class When_a_broker_is_configured_every_event_reaches_the_topic(BrokerEventsFixture app) : IClassFixture<BrokerEventsFixture>
{
    [Fact]
    public async Task A_campaign_run_arrives_in_stream_order_with_ids_subjects_and_properties()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = await Scenario.CreateAsync(client, new[] { "interested", "busy" }.Select((o, i) => Scenario.Contact(Scenario.NewYork(i), o)));
        await Scenario.StartAsync(client, id);
        await Scenario.UntilStatusAsync(client, id, "completed");
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var stream = await EventStreams.UntilAsync(app, id, events => events.Any(e => e.Type == "campaign.completed"));

        var messages = await ReceiveCampaignAsync(id, stream.Count);

        Assert.Equal(stream.Select(e => e.Id), messages.Select(m => m.Properties.MessageId));
        Assert.Equal(stream.Select(e => e.Type), messages.Select(m => m.Properties.Subject));
        Assert.Equal(stream.Select(e => e.Body), messages.Select(m => Encoding.UTF8.GetString((byte[])m.Body)));
        var workspace = JsonNode.Parse(stream[0].Body)!["workspace"]!.GetValue<string>();
        Assert.All(messages, m =>
        {
            Assert.Equal(id, m.ApplicationProperties["campaign_id"]);
            Assert.Equal(workspace, m.ApplicationProperties["workspace"]);
            Assert.Equal(id, m.MessageAnnotations[new Amqp.Types.Symbol("x-opt-partition-key")]);
        });
    }

    [Fact]
    public async Task Events_made_while_the_broker_is_down_all_arrive_in_order_after_it_restarts()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = await Scenario.CreateAsync(client, new[] { "interested", "no_answer", "renewed" }.Select((o, i) => Scenario.Contact(Scenario.NewYork(i), o)));
        await Broker.CtlAsync("stop_app");
        try
        {
            await Scenario.StartAsync(client, id);
            await Scenario.UntilStatusAsync(client, id, "completed");
            app.Clock.Advance(TimeSpan.FromSeconds(2));
            await EventStreams.UntilAsync(app, id, events => events.Any(e => e.Type == "campaign.completed"));
            await EventStreams.UntilCursorAsync(app, id, global::Campaigns.Functions.Integration.Events.EventRelay.BrokerDestination,
                c => c.FailedAttempts > 0, "the deliverer fails against the stopped broker");
        }
        finally
        {
            await Broker.CtlAsync("start_app");
        }
        var stream = await EventStreams.UntilAsync(app, id, _ => true);

        var messages = await ReceiveCampaignAsync(id, stream.Count);

        // At least once: a batch cut by the stop may come again, with the same ids. In order, with nothing missing.
        var firstSeen = messages.Select(m => m.Properties.MessageId).Distinct().ToList();
        Assert.Equal(stream.Select(e => e.Id), firstSeen);
    }

    /// <summary>Messages of one campaign from the fixture's queue (others' are skipped) until <paramref name="distinct"/> distinct ids came.</summary>
    private static async Task<List<Message>> ReceiveCampaignAsync(string campaignId, int distinct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var mine = new List<Message>();
        while (mine.Select(m => m.Properties.MessageId).Distinct().Count() < distinct)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Only {mine.Count} message(s) of {campaignId} reached the topic; {distinct} expected");
            var batch = await Broker.ReceiveAsync(BrokerEventsFixture.Topic, 500, TimeSpan.FromSeconds(2));
            mine.AddRange(batch.Where(m => m.ApplicationProperties?["campaign_id"] as string == campaignId));
        }
        return mine;
    }
}
