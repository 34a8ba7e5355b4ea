using System.Net;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Tests.Infrastructure;
using NodaTime;

namespace Campaigns.Functions.Tests.Webhooks;

[Collection(AppCollection.Name)]
public sealed class WebhookDeliveryLogTests(AppFixture app)
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 2, 10, 0);

    private static DeliveryRecord Attempt(int n, Instant at, int? status = 500, string outcome = DeliveryOutcomes.Retrying) =>
        new("evt_" + n, "call.completed", "cmp_1", n, status, outcome, status is null ? "connection failed: Connection refused" : $"HTTP {status}",
            25 + n, at, outcome == DeliveryOutcomes.Retrying ? at + Duration.FromSeconds(30) : null);

    [Fact]
    public async Task RecordAndList_RoundTripEveryField()
    {
        var log = app.Service<WebhookDeliveryLog>();
        var account = "acct_" + Guid.NewGuid().ToString("N")[..12];
        var retrying = Attempt(1, T0);
        var unreachable = Attempt(2, T0 + Duration.FromSeconds(30), status: null, outcome: DeliveryOutcomes.Failed);

        var firstId = await log.RecordAsync(account, "wh_a", retrying, CancellationToken.None);
        var secondId = await log.RecordAsync(account, "wh_a", unreachable, CancellationToken.None);
        var listed = await log.ListAsync(account, "wh_a", 50, CancellationToken.None);

        Assert.Equal([new LoggedDelivery(secondId, unreachable), new LoggedDelivery(firstId, retrying)], listed);
    }

    [Fact]
    public async Task List_IsNewestFirstWhateverTheRecordingOrder_AndHonoursTheLimit()
    {
        var log = app.Service<WebhookDeliveryLog>();
        var account = "acct_" + Guid.NewGuid().ToString("N")[..12];
        int[] minutes = [5, 1, 30, 12, 0, 12];
        foreach (var (m, i) in minutes.Select((m, i) => (m, i)))
            await log.RecordAsync(account, "wh_a", Attempt(i + 1, T0 + Duration.FromMinutes(m)), CancellationToken.None);

        var all = await log.ListAsync(account, "wh_a", 50, CancellationToken.None);
        var top3 = await log.ListAsync(account, "wh_a", 3, CancellationToken.None);

        Assert.Equal(minutes.OrderDescending().Select(m => T0 + Duration.FromMinutes(m)), all.Select(d => d.Record.AttemptedAt));
        Assert.Equal(6, all.Select(d => d.Id).Distinct().Count()); // two attempts in the same tick both kept
        Assert.Equal(all.Take(3), top3);
    }

    [Fact]
    public async Task List_IsPerWebhookAndPerAccount()
    {
        var log = app.Service<WebhookDeliveryLog>();
        var account = "acct_" + Guid.NewGuid().ToString("N")[..12];
        await log.RecordAsync(account, "wh_a", Attempt(1, T0), CancellationToken.None);
        await log.RecordAsync(account, "wh_b", Attempt(2, T0), CancellationToken.None);
        await log.RecordAsync("acct_other_" + Guid.NewGuid().ToString("N")[..6], "wh_a", Attempt(3, T0), CancellationToken.None);

        Assert.Equal(["evt_1"], (await log.ListAsync(account, "wh_a", 50, CancellationToken.None)).Select(d => d.Record.EventId));
    }

    [Fact]
    public async Task DeliveriesEndpoint_ShowsTheLogNewestFirstInWireFormat()
    {
        var (client, key) = await app.NewAccountAsync();
        var account = await app.AccountOfAsync(key);
        var created = await (await client.PostAsync("/v1/webhooks", Requests.Json("""{"url": "https://example.com/hook"}"""))).BodyAsync();
        var id = created["id"]!.GetValue<string>();
        var log = app.Service<WebhookDeliveryLog>();
        await log.RecordAsync(account, id, Attempt(1, T0, status: null), CancellationToken.None);
        await log.RecordAsync(account, id, new DeliveryRecord("evt_1", "call.completed", "cmp_1", 2, 200, DeliveryOutcomes.Delivered, null, 41,
            T0 + Duration.FromSeconds(31), null), CancellationToken.None);

        var body = await client.GetFromJsonNodeAsync($"/v1/webhooks/{id}/deliveries");
        var data = body["data"]!.AsArray();

        Assert.Equal(2, data.Count);
        var delivered = data[0]!.AsObject();
        Assert.Equal(
            ["id", "event_id", "event_type", "campaign_id", "attempt", "status_code", "outcome", "error", "duration_ms", "attempted_at", "next_attempt_at"],
            delivered.Select(p => p.Key));
        Assert.Equal("delivered", delivered["outcome"]!.GetValue<string>());
        Assert.Equal(200, delivered["status_code"]!.GetValue<int>());
        Assert.Equal(2, delivered["attempt"]!.GetValue<int>());
        Assert.Equal(41, delivered["duration_ms"]!.GetValue<long>());
        Assert.Equal("2026-03-02T10:00:31Z", delivered["attempted_at"]!.GetValue<string>());
        Assert.Null(delivered["next_attempt_at"]);
        Assert.Null(delivered["error"]);
        var retrying = data[1]!.AsObject();
        Assert.Equal("retrying", retrying["outcome"]!.GetValue<string>());
        Assert.Null(retrying["status_code"]);
        Assert.Equal("2026-03-02T10:00:30Z", retrying["next_attempt_at"]!.GetValue<string>());
        Assert.Equal("evt_1", retrying["event_id"]!.GetValue<string>());

        Assert.Single((await client.GetFromJsonNodeAsync($"/v1/webhooks/{id}/deliveries?limit=1"))["data"]!.AsArray());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("201")]
    [InlineData("-1")]
    [InlineData("ten")]
    public async Task DeliveriesEndpoint_LimitOutside1To200_Is400NamingLimit(string limit)
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await (await client.PostAsync("/v1/webhooks", Requests.Json("""{"url": "https://example.com/hook"}"""))).BodyAsync())["id"]!.GetValue<string>();

        var problem = await (await client.GetAsync($"/v1/webhooks/{id}/deliveries?limit={limit}")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["limit"], problem.FieldErrors().Keys);
    }
}
