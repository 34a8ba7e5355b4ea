using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Campaigns.Domain.Webhooks;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.Functions.Tests.Webhooks;
using Microsoft.AspNetCore.Http;
using NodaTime;

namespace Campaigns.Functions.Tests.Events;

/// <summary>Calls end at once; queued retries re-check the fake clock every second.</summary>
public sealed class WebhookEventsFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "0",
    ["Engine:MaxCallsInProgress"] = "5",
    ["Events:MaxDelaySeconds"] = "1",
});

public sealed class When_a_webhook_is_subscribed_it_gets_every_event_signed_in_order(WebhookEventsFixture app) : IClassFixture<WebhookEventsFixture>
{
    private const string Secret = "whsec_test_0123456789abcdef";

    [Fact]
    public async Task A_campaign_run_reaches_the_receiver_whole_signed_and_in_stream_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (client, _) = await app.NewAccountAsync();
        await SubscribeAsync(client, receiver, ["*"]);
        var id = await Scenario.CreateAsync(client, new[] { "interested", "busy", "renewed" }.Select((o, i) => Scenario.Contact(Scenario.NewYork(i), o)));
        await Scenario.StartAsync(client, id);
        await Scenario.UntilStatusAsync(client, id, "completed");
        app.Clock.Advance(TimeSpan.FromSeconds(2));

        var stream = await EventStreams.UntilAsync(app, id, events => events.Any(e => e.Type == "campaign.completed"));
        var received = await UntilReceivedAsync(receiver, stream.Count);

        Assert.Equal(stream.Select(e => e.Id), received.Select(r => r.Headers["Campaigns-Event-Id"]));
        Assert.Equal(stream.Select(e => e.Body), received.Select(r => Encoding.UTF8.GetString(r.Body)));
        var now = Instant.FromDateTimeOffset(app.Clock.GetUtcNow());
        Assert.All(received, r => Assert.True(WebhookSignature.Verify(Secret, r.Headers["Campaigns-Signature"], r.Body, now), "signature does not verify"));
        Assert.All(received, r => Assert.StartsWith("application/cloudevents+json", r.Headers["Content-Type"]));
    }

    [Fact]
    public async Task A_filter_lets_only_its_types_through()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (client, _) = await app.NewAccountAsync();
        await SubscribeAsync(client, receiver, ["campaign.*"]);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(Scenario.NewYork(0), "interested")]);
        await Scenario.StartAsync(client, id);
        await Scenario.UntilStatusAsync(client, id, "completed");
        app.Clock.Advance(TimeSpan.FromSeconds(2));

        var received = await UntilReceivedAsync(receiver, 3);
        Assert.Equal(["campaign.created", "campaign.started", "campaign.completed"], received.Select(r => r.Headers["Campaigns-Event-Type"]));
    }

    [Fact]
    public async Task A_receiver_that_fails_is_retried_with_back_off_and_gets_everything_in_order_once_it_recovers()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var failing = true;
        receiver.Respond = http =>
        {
            http.Response.StatusCode = failing ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            return Task.CompletedTask;
        };
        var (client, _) = await app.NewAccountAsync();
        var hookId = await SubscribeAsync(client, receiver, ["*"]);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(Scenario.NewYork(0), "interested"), Scenario.Contact(Scenario.NewYork(1), "no_answer")]);
        await Scenario.StartAsync(client, id);
        await Scenario.UntilStatusAsync(client, id, "completed");
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var stream = await EventStreams.UntilAsync(app, id, events => events.Any(e => e.Type == "campaign.completed"));

        // First attempt fails; the next is planned 30 s later and nothing else is sent meanwhile (order is kept).
        await UntilReceivedAsync(receiver, 1);
        var log = await DeliveriesAsync(client, hookId);
        var first = log.Last()!;
        Assert.Equal("retrying", first["outcome"]!.GetValue<string>());
        Assert.Equal(503, first["status_code"]!.GetValue<int>());
        Assert.Equal(stream[0].Id, first["event_id"]!.GetValue<string>());
        Assert.NotNull(first["next_attempt_at"]);
        await EventStreams.UntilCursorAsync(app, id, hookId, c => c.NextAttemptAt is not null && c.LeaseUntil is null,
            "the webhook's deliverer has planned its retry and let go of the stream");
        Assert.Single(receiver.Received);

        app.Clock.Advance(TimeSpan.FromSeconds(31)); // the second attempt falls due, and fails too
        await UntilReceivedAsync(receiver, 2);
        failing = false;
        app.Clock.Advance(TimeSpan.FromSeconds(61)); // the third (after 60 s) succeeds, and the rest follow

        var received = await UntilReceivedAsync(receiver, stream.Count + 2);
        Assert.Equal([stream[0].Id, stream[0].Id, .. stream.Select(e => e.Id)], received.Select(r => r.Headers["Campaigns-Event-Id"]));
        log = await DeliveriesAsync(client, hookId);
        Assert.Equal(stream.Count + 2, log.Count);
        var firstEvent = log.Where(d => d!["event_id"]!.GetValue<string>() == stream[0].Id).OrderBy(d => d!["attempt"]!.GetValue<int>()).ToList();
        Assert.Equal([1, 2, 3], firstEvent.Select(d => d!["attempt"]!.GetValue<int>()));
        Assert.Equal(["retrying", "retrying", "delivered"], firstEvent.Select(d => d!["outcome"]!.GetValue<string>()));
        Assert.Equal([503, 503, 200], firstEvent.Select(d => d!["status_code"]!.GetValue<int>()));
        Assert.All(log.Where(d => d!["event_id"]!.GetValue<string>() != stream[0].Id), d =>
            Assert.Equal(("delivered", 1), (d!["outcome"]!.GetValue<string>(), d["attempt"]!.GetValue<int>())));
    }

    private static async Task<string> SubscribeAsync(HttpClient client, WebhookReceiver receiver, string[] events)
    {
        var response = await client.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url().ToString(), events, secret = Secret });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    private static async Task<JsonArray> DeliveriesAsync(HttpClient client, string hookId) =>
        (await client.GetFromJsonAsync<JsonObject>($"/v1/webhooks/{hookId}/deliveries?limit=200"))!["data"]!.AsArray();

    private static Task<IReadOnlyList<ReceivedRequest>> UntilReceivedAsync(WebhookReceiver receiver, int count) =>
        Eventually.UntilAsync(() => Task.FromResult(receiver.Received), r => r.Count >= count, $"the receiver gets {count} deliveries");
}
