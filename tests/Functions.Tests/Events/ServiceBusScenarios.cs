using System.Text.Json.Nodes;
using Azure.Messaging.ServiceBus;
using Campaigns.Functions.Integration.ServiceBus;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campaigns.Functions.Tests.Events;

/// <summary>
/// The app's Service Bus scenarios, run against the test broker always and against a real namespace when
/// <c>CAMPAIGNS_TEST_SERVICEBUS</c> is set (the same code: only the bus differs).
/// </summary>
internal static class ServiceBusScenarios
{
    /// <summary>A campaign's events reach the topic in stream order, with ids, subjects, bodies, properties and partition key.</summary>
    public static async Task EventsArriveInStreamOrderAsync(EventsApp app, TestServiceBus bus)
    {
        var (client, _) = await app.NewAccountAsync();
        var id = await Scenario.CreateAsync(client, new[] { "interested", "busy" }.Select((o, i) => Scenario.Contact(Scenario.NewYork(i), o)));
        await Scenario.StartAsync(client, id);
        await Scenario.UntilStatusAsync(client, id, "completed");
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var stream = await EventStreams.UntilAsync(app, id, events => events.Any(e => e.Type == "campaign.completed"));

        var messages = await bus.ReceiveAsync(app.Topic, m => Of(m, id), stream.Count, TimeSpan.FromSeconds(60));

        Assert.Equal(stream.Select(e => e.Id), messages.Select(m => m.MessageId));
        Assert.Equal(stream.Select(e => e.Type), messages.Select(m => m.Subject));
        Assert.Equal(stream.Select(e => e.Body), messages.Select(m => m.Body.ToString()));
        var workspace = JsonNode.Parse(stream[0].Body)!["workspace"]!.GetValue<string>();
        Assert.All(messages, m =>
        {
            Assert.Equal((id, workspace, id), ((string)m.ApplicationProperties["campaign_id"], (string)m.ApplicationProperties["workspace"], m.PartitionKey));
            Assert.Equal(ServiceBusEventPublisher.ContentType, m.ContentType);
        });
    }

    /// <summary>A result on the queue resolves the call once: a redelivered copy or an HTTP callback changes nothing.</summary>
    public static async Task AResultIsRecordedOnceAsync(ResultsApp app, TestServiceBus bus)
    {
        var (client, _) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(0);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(phone)]);
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c[phone]["status"]!.GetValue<string>() == "dialing", "the contact is being dialed");
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var created = (await EventStreams.UntilAsync(app, id, events => events.Count > 0))[0];
        var workspace = JsonNode.Parse(created.Body)!["workspace"]!.GetValue<string>();
        var callId = Scenario.CallId(id, phone, 1);

        var body = $$"""{"call_id":"{{callId}}","workspace":"{{workspace}}","outcome":"answered","disposition":"interested","duration_seconds":42}""";
        await bus.SendAsync(app.Queue, Result(body), Result(body));

        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        Assert.Equal(1, done["calls_connected"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 1 }, done.Dispositions());
        var again = await Scenario.ReportAsync(client, callId, "busy");
        Assert.False(again["recorded"]!.GetValue<bool>());
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var stream = await EventStreams.UntilAsync(app, id, events => events.Any(e => e.Type == "campaign.completed"));
        var completed = Assert.Single(stream, e => e.Type == "call.completed");
        Assert.Equal(42, JsonNode.Parse(completed.Body)!["data"]!["duration_seconds"]!.GetValue<int>());
    }

    /// <summary>A result naming another workspace is dead-lettered with the reason; the call stays open.</summary>
    public static async Task AnotherWorkspacesResultIsDeadLetteredAsync(ResultsApp app, TestServiceBus bus)
    {
        var (client, _) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(1);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(phone)]);
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c[phone]["status"]!.GetValue<string>() == "dialing", "the contact is being dialed");

        var message = Result($$"""{"call_id":"{{Scenario.CallId(id, phone, 1)}}","workspace":"acct_someone_else","outcome":"answered"}""");
        await bus.SendAsync(app.Queue, message);

        var deadLetter = Assert.Single(await bus.DeadLettersAsync(app.Queue, m => m.MessageId == message.MessageId, 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(CallResultsReceiver.InvalidReason, deadLetter.DeadLetterReason);
        Assert.False(string.IsNullOrEmpty(deadLetter.DeadLetterErrorDescription));
        var contacts = await Scenario.ContactsAsync(client, id);
        Assert.Equal("dialing", contacts[phone]["status"]!.GetValue<string>());
        var receiver = app.App.Worker.Services.GetServices<IHostedService>().OfType<CallResultsReceiver>().Single();
        Assert.True(receiver.Settled > 0);
    }

    private static bool Of(ServiceBusReceivedMessage message, string campaignId) =>
        message.ApplicationProperties.TryGetValue("campaign_id", out var value) && value as string == campaignId;

    private static ServiceBusMessage Result(string json) => new(BinaryData.FromString(json)) { MessageId = Guid.NewGuid().ToString("N") };
}
