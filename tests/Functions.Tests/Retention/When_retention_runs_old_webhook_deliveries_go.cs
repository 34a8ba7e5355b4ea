using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Retention;
using NodaTime;

namespace Campaigns.Functions.Tests.Retention;

/// <summary>
/// Delivery logs after 30 days: a live webhook loses the rows whose newest attempt is 30 days old or more and keeps the
/// rest (and stays in the index, looked at daily); a deleted webhook's log goes whole once its newest row is 30 days
/// old, and then the webhook leaves the index.
/// </summary>
[Collection(RetentionCollection.Name)]
public sealed class When_retention_runs_old_webhook_deliveries_go(RetentionFixture app)
{
    [Fact]
    public async Task Rows_older_than_the_period_go_and_a_deleted_webhooks_log_goes_whole()
    {
        var (client, key) = await app.NewAccountAsync();
        var account = await app.AccountOfAsync(key);
        var live = await SubscribeAsync(client);
        var deleted = await SubscribeAsync(client);
        var now = Now();
        var log = app.Service<WebhookDeliveryLog>();
        foreach (var days in new[] { 40, 31, 30, 29, 1 })
            await log.RecordAllAsync(account, live, [Attempt($"evt_live_{days}", now - Duration.FromDays(days))], CancellationToken.None);
        foreach (var days in new[] { 20, 2 })
            await log.RecordAllAsync(account, deleted, [Attempt($"evt_gone_{days}", now - Duration.FromDays(days))], CancellationToken.None);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/webhooks/{deleted}")).StatusCode);
        var index = await app.IndexAsync();
        Assert.Contains(index, i => i.Kind == RetentionKinds.WebhookLog && i.Target == live); // noted by the log's first row
        Assert.Contains(index, i => i.Kind == RetentionKinds.WebhookLog && i.Target == deleted);

        await app.RunRetentionAsync();

        Assert.Equal(["evt_live_1", "evt_live_29"], await EventsAsync(account, live));
        Assert.Equal(["evt_gone_2", "evt_gone_20"], await EventsAsync(account, deleted)); // not 30 days old yet

        app.AdvanceDays(29); // the deleted webhook's newest row is 31 days old; the live one's 30
        await app.RunRetentionAsync();

        Assert.Empty(await EventsAsync(account, deleted));
        Assert.Empty(await EventsAsync(account, live));
        index = await app.IndexAsync();
        Assert.DoesNotContain(index, i => i.Target == deleted);
        var still = Assert.Single(index, i => i.Target == live);
        Assert.Equal(Now() + Duration.FromDays(1), still.DueAt); // the live webhook is looked at again tomorrow
    }

    private Instant Now() => Instant.FromDateTimeOffset(app.Clock.GetUtcNow());

    private static DeliveryRecord Attempt(string eventId, Instant at) =>
        new(eventId, "call.completed", "cmp_retention", 1, 204, DeliveryOutcomes.Delivered, null, 12, at, null);

    private async Task<List<string>> EventsAsync(string account, string webhook) =>
        (await app.Service<WebhookDeliveryLog>().ListAsync(account, webhook, 100, CancellationToken.None)).Select(d => d.Record.EventId).Order(StringComparer.Ordinal).ToList();

    private static async Task<string> SubscribeAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/v1/webhooks", new { url = "https://hooks.tenant.example/in" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }
}
