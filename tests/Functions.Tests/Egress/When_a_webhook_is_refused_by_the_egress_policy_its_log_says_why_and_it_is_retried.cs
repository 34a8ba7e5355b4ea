using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Egress;

/// <summary>
/// A webhook registered under a name (accepted: only a literal address can be judged at registration) that resolves to
/// a private address: each delivery is refused at the connect step, lands in the delivery log as a failed attempt with
/// the reason and no status code, and is retried on the back-off schedule as any failed delivery is. No socket is ever
/// asked for.
/// </summary>
[Collection(EgressCollection.Name)]
public sealed class When_a_webhook_is_refused_by_the_egress_policy_its_log_says_why_and_it_is_retried(EgressFixture app)
{
    [Fact]
    public async Task Each_attempt_is_logged_as_not_sent_and_the_next_is_planned()
    {
        app.Resolver.Answer("internal.tenant.example", "10.0.0.5");
        var (client, _) = await app.NewAccountAsync();
        var created = await client.PostAsJsonAsync("/v1/webhooks", new { url = "http://internal.tenant.example/hooks" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var hookId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var connectsBefore = app.Connector.Attempts.Count;

        await Scenario.CreateAsync(client, [Scenario.Contact(Scenario.NewYork(0))]); // campaign.created
        app.Clock.Advance(TimeSpan.FromSeconds(2)); // past the relay's settle time
        var first = (await UntilLoggedAsync(client, hookId, 1))[0]!;

        Assert.Equal("retrying", first["outcome"]!.GetValue<string>());
        Assert.Equal(1, first["attempt"]!.GetValue<int>());
        Assert.Null(first["status_code"]);
        Assert.Contains("not sent: internal.tenant.example resolves to 10.0.0.5", first["error"]!.GetValue<string>());
        Assert.Contains("10.0.0.0/8 (private network, RFC 1918)", first["error"]!.GetValue<string>());
        var attemptedAt = DateTimeOffset.Parse(first["attempted_at"]!.GetValue<string>());
        Assert.Equal(attemptedAt.AddSeconds(30), DateTimeOffset.Parse(first["next_attempt_at"]!.GetValue<string>()));

        app.Clock.Advance(TimeSpan.FromSeconds(31)); // the retry falls due: refused the same way
        var log = await UntilLoggedAsync(client, hookId, 2);
        Assert.Equal(2, log[0]!["attempt"]!.GetValue<int>());
        Assert.Equal("retrying", log[0]!["outcome"]!.GetValue<string>());
        Assert.StartsWith("not sent: ", log[0]!["error"]!.GetValue<string>());
        Assert.Equal(connectsBefore, app.Connector.Attempts.Count);
    }

    private static Task<JsonArray> UntilLoggedAsync(HttpClient client, string hookId, int count) =>
        Eventually.UntilAsync(
            async () => (await client.GetFromJsonAsync<JsonObject>($"/v1/webhooks/{hookId}/deliveries"))!["data"]!.AsArray(),
            log => log.Count >= count, $"the delivery log of {hookId} has {count} attempt(s)");
}
