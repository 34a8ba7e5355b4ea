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

public sealed class When_a_webhook_takes_batches_it_gets_arrays_of_events_in_order(WebhookEventsFixture app) : IClassFixture<WebhookEventsFixture>
{
    private const string Secret = "whsec_batch_0123456789abcdef";

    [Fact]
    public async Task Every_event_arrives_once_in_stream_order_in_signed_arrays_of_at_most_the_batch_size()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (client, _) = await app.NewAccountAsync();
        var hook = await SubscribeAsync(client, receiver, batchSize: 4);
        Assert.Equal(4, hook["batch_size"]!.GetValue<int>());
        var id = await Scenario.CreateAsync(client, Enumerable.Range(0, 5).Select(i => Scenario.Contact(Scenario.NewYork(i), "interested")));
        await Scenario.StartAsync(client, id);
        await Scenario.UntilStatusAsync(client, id, "completed");
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var stream = await EventStreams.UntilAsync(app, id, events => events.Any(e => e.Type == "campaign.completed"));

        var requests = await Eventually.UntilAsync(() => Task.FromResult(receiver.Received),
            r => r.Sum(x => JsonNode.Parse(x.Body)!.AsArray().Count) >= stream.Count, "the receiver gets every event");

        var now = Instant.FromDateTimeOffset(app.Clock.GetUtcNow());
        var arrays = requests.Select(r => JsonNode.Parse(r.Body)!.AsArray()).ToList();
        Assert.Equal(stream.Select(e => e.Id), arrays.SelectMany(a => a).Select(e => e!["id"]!.GetValue<string>()));
        Assert.Equal("[" + string.Join(",", stream.Select(e => e.Body)) + "]",
            "[" + string.Join(",", requests.Select(r => Encoding.UTF8.GetString(r.Body)[1..^1])) + "]"); // each event's bytes as stored
        Assert.All(arrays, a => Assert.InRange(a.Count, 1, 4));
        Assert.Contains(arrays, a => a.Count == 4);
        Assert.All(requests, r =>
        {
            Assert.StartsWith("application/cloudevents-batch+json", r.Headers["Content-Type"]);
            Assert.True(WebhookSignature.Verify(Secret, r.Headers["Campaigns-Signature"], r.Body, now), "signature does not verify");
            Assert.Equal(JsonNode.Parse(r.Body)!.AsArray().Count.ToString(), r.Headers["Campaigns-Event-Count"]);
        });
        var log = (await client.GetFromJsonAsync<JsonObject>($"/v1/webhooks/{hook["id"]}/deliveries?limit=200"))!["data"]!.AsArray();
        Assert.Equal(stream.Select(e => e.Id).Order(), log.Select(d => d!["event_id"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task A_failing_batch_is_retried_whole_and_nothing_after_it_goes_first()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var failing = true;
        receiver.Respond = http =>
        {
            http.Response.StatusCode = failing ? StatusCodes.Status500InternalServerError : StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        };
        var (client, _) = await app.NewAccountAsync();
        await SubscribeAsync(client, receiver, batchSize: 100);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(Scenario.NewYork(0), "interested")]);
        await Scenario.StartAsync(client, id);
        await Scenario.UntilStatusAsync(client, id, "completed");
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var stream = await EventStreams.UntilAsync(app, id, events => events.Any(e => e.Type == "campaign.completed"));
        await Eventually.UntilAsync(() => Task.FromResult(receiver.Received), r => r.Count >= 1, "the first batch is tried");

        failing = false;
        app.Clock.Advance(TimeSpan.FromSeconds(31));
        var requests = await Eventually.UntilAsync(() => Task.FromResult(receiver.Received),
            r => r.Skip(1).Sum(x => JsonNode.Parse(x.Body)!.AsArray().Count) >= stream.Count, "the retried batch and the rest arrive");

        var first = JsonNode.Parse(requests[0].Body)!.AsArray().Select(e => e!["id"]!.GetValue<string>()).ToList();
        var delivered = requests.Skip(1).SelectMany(r => JsonNode.Parse(r.Body)!.AsArray()).Select(e => e!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(stream.Select(e => e.Id), delivered);
        Assert.Equal(first, delivered.Take(first.Count)); // the failed batch's events come again, first
    }

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("2.5")]
    [InlineData("\"10\"")]
    public async Task A_batch_size_outside_1_to_500_is_a_400_naming_it(string value)
    {
        var (client, _) = await app.NewAccountAsync();
        var response = await client.PostAsync("/v1/webhooks", Requests.Json($$"""{"url": "https://example.com/hook", "batch_size": {{value}}}"""));
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["batch_size"], problem.FieldErrors().Keys);
    }

    private static async Task<JsonObject> SubscribeAsync(HttpClient client, WebhookReceiver receiver, int batchSize)
    {
        var response = await client.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url().ToString(), secret = Secret, batch_size = batchSize });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
