using System.Text;
using System.Text.Json.Nodes;
using Amqp;
using Amqp.Framing;
using Campaigns.Functions.Integration.ServiceBus;
using Campaigns.Functions.Tests.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.Functions.Tests.ServiceBus;

namespace Campaigns.Functions.Tests.Events;

/// <summary>Calls last an hour unless their result comes; results may come on the test run's RabbitMQ queue.</summary>
public sealed class InboundResultsFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "3600",
    ["Engine:MaxCallsInProgress"] = "2",
    ["ServiceBusConnection"] = Broker.Url,
    ["CallResultsQueue"] = Queue,
})
{
    public static readonly string Queue = Broker.NewQueue("call-results");
}

public sealed class When_a_call_result_arrives_over_service_bus_it_is_recorded_once(InboundResultsFixture app) : IClassFixture<InboundResultsFixture>
{
    [Fact]
    public async Task The_result_resolves_the_contact_and_a_redelivered_copy_or_an_http_callback_changes_nothing()
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
        await Broker.SendAsync(InboundResultsFixture.Queue, Result(body), Result(body));

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

    [Fact]
    public async Task A_result_for_another_workspace_is_refused_and_the_call_stays_open()
    {
        var (client, _) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(1);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(phone)]);
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c[phone]["status"]!.GetValue<string>() == "dialing", "the contact is being dialed");

        var body = $$"""{"call_id":"{{Scenario.CallId(id, phone, 1)}}","workspace":"acct_someone_else","outcome":"answered"}""";
        var listener = app.App.Worker.Services.GetServices<IHostedService>().OfType<CallResultsListener>().Single();
        var settledBefore = listener.Settled;
        await Broker.SendAsync(InboundResultsFixture.Queue, Result(body));
        await Eventually.UntilAsync(() => Task.FromResult(listener.Settled), n => n > settledBefore, "the listener settles the message");

        var contacts = await Scenario.ContactsAsync(client, id);
        Assert.Equal("dialing", contacts[phone]["status"]!.GetValue<string>());
        Assert.Empty(await Broker.ReceiveAsync(InboundResultsFixture.Queue, 1, TimeSpan.FromSeconds(1))); // rejected, not left for redelivery
    }

    private static Message Result(string json) => new() { BodySection = new Data { Binary = Encoding.UTF8.GetBytes(json) }, Properties = new Properties { MessageId = Guid.NewGuid().ToString("N") } };
}
