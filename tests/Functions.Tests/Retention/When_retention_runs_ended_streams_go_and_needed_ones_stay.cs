using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Campaigns.Domain.Events;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Retention;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Dialer;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.Functions.Tests.Webhooks;
using Microsoft.AspNetCore.Http;
using NodaTime;

namespace Campaigns.Functions.Tests.Retention;

/// <summary>
/// Four campaigns' event streams over a month and more (30 days for ended campaigns, 7 for deleted ones):
/// <list type="bullet">
/// <item>A, stopped, every destination served (its account's only webhook was made after its last event): kept until
///   30 days after its last event, then deleted whole (pages, head, cursors);</item>
/// <item>B, a list-fed campaign still running: kept, however old (a stray note about it is dropped);</item>
/// <item>C, stopped, but its webhook's receiver fails, so the webhook's cursor is behind: kept past 30 days;</item>
/// <item>D, deleted: its stream and its own agent pool go 7 days after the deletion.</item>
/// </list>
/// A's and C's ends reach the retention index through the relay (the <c>campaign.stopped</c> event), D's through the purge.
/// </summary>
[Collection(RetentionCollection.Name)]
public sealed class When_retention_runs_ended_streams_go_and_needed_ones_stay(RetentionFixture app) : IAsyncLifetime
{
    private WebhookReceiver _failing = null!;

    public async Task InitializeAsync()
    {
        _failing = await WebhookReceiver.StartAsync();
        _failing.Respond = http =>
        {
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        };
    }

    public async Task DisposeAsync() => await _failing.DisposeAsync();

    [Fact]
    public async Task Only_what_every_destination_has_had_and_is_old_enough_is_deleted()
    {
        var a = await StoppedCampaignAsync();
        var c = await StoppedCampaignAsync(webhook: _failing.Url().ToString()); // subscribed before C's events happen
        var cHook = c.Webhook!;
        var b = await DialerCampaign.CreateAsync(app, new JsonObject(), prospects: 0);
        await b.ResumeAsync();
        await Scenario.UntilStatusAsync(b.Client, b.Id, "running");
        var d = await DialerCampaign.CreateAsync(app, new JsonObject(), prospects: 0);
        var pools = app.Service<TableServiceClient>().GetTableClient(app.Prefix + "agentpools");
        await pools.CreateIfNotExistsAsync();
        await pools.UpsertEntityAsync(new TableEntity(d.Account, AgentPoolStore.CampaignKey(d.Id)) { ["Slots"] = "[]" }); // D's own pool

        app.Clock.Advance(TimeSpan.FromSeconds(2)); // the events settle
        foreach (var (account, id) in new[] { (a.Account, a.Id), (b.Account, b.Id), (c.Account, c.Id), (d.Account, d.Id) })
            await app.RelayAsync(account, id);
        await Eventually.UntilAsync(() => app.Service<EventStreamStore>().ReadCursorAsync(c.Id, cHook, CancellationToken.None),
            cursor => cursor.FailedAttempts >= 1, "C's webhook failed its first delivery");
        Assert.Equal(HttpStatusCode.NoContent, (await d.Client.DeleteAsync($"/api/v/campaign/{d.Slug}/")).StatusCode);
        await Eventually.UntilAsync(app.IndexAsync, items => items.Any(i => i.Target == d.Id && i.DeletedAt is not null), "the purge notes D's deletion");
        var index = await app.IndexAsync();
        Assert.Contains(index, i => i.Kind == RetentionKinds.Campaign && i.Target == a.Id); // noted by the relay: campaign.stopped
        Assert.Contains(index, i => i.Kind == RetentionKinds.Campaign && i.Target == c.Id);
        await app.Service<RetentionIndex>().EventsAppendingAsync( // a stray note about B: B's row says it is running
            [new OutboxEvent("evt_stray", EventTypes.CampaignStopped, Now() - Duration.FromDays(30), b.Account, b.Id, $"campaigns/{b.Id}", "{}")],
            CancellationToken.None);

        app.Clock.Advance(TimeSpan.FromMinutes(3)); // outbox marks are old enough to clear; A's late webhook is made after A's last event
        foreach (var (account, id) in new[] { (a.Account, a.Id), (c.Account, c.Id), (d.Account, d.Id) })
            await app.RelayAsync(account, id);
        await SubscribeAsync(a.Client, "https://late.hooks.example/in");
        var rowsOf = new Dictionary<string, int>();
        foreach (var id in new[] { a.Id, b.Id, c.Id, d.Id })
            rowsOf[id] = (await RowsAsync(id)).Count;
        Assert.All(rowsOf, r => Assert.True(r.Value >= 2, $"{r.Key} has a head and a page"));

        app.AdvanceDays(6); // D deleted 6 days ago, A and C ended 6 days ago: all stay
        await app.RunRetentionAsync();
        foreach (var id in new[] { a.Id, b.Id, c.Id, d.Id })
            Assert.Equal(rowsOf[id], (await RowsAsync(id)).Count);
        Assert.DoesNotContain(await app.IndexAsync(), i => i.Target == b.Id); // B is running: its note is dropped

        app.AdvanceDays(2); // D: 8 days since its deletion
        await app.RunRetentionAsync();
        Assert.Empty(await RowsAsync(d.Id));
        Assert.False((await pools.GetEntityIfExistsAsync<TableEntity>(d.Account, AgentPoolStore.CampaignKey(d.Id))).HasValue);
        Assert.Equal(rowsOf[a.Id], (await RowsAsync(a.Id)).Count);

        app.AdvanceDays(23); // 31 days since A and C ended
        var run = await app.RunRetentionAsync();
        Assert.Empty(await RowsAsync(a.Id));
        Assert.Equal(rowsOf[b.Id], (await RowsAsync(b.Id)).Count);
        Assert.Equal(rowsOf[c.Id], (await RowsAsync(c.Id)).Count); // its webhook has not had its events
        Assert.True(run.Deleted >= rowsOf[a.Id]);
        var left = await app.IndexAsync();
        Assert.DoesNotContain(left, i => i.Target == a.Id || i.Target == d.Id);
        var kept = Assert.Single(left, i => i.Target == c.Id);
        Assert.True(kept.DueAt > Now(), "C is looked at again later");
    }

    private Instant Now() => Instant.FromDateTimeOffset(app.Clock.GetUtcNow());

    private sealed record Stopped(HttpClient Client, string Account, string Id, string? Webhook);

    /// <summary>A new account's /v1 campaign, created and stopped (events: created, stopped), with the account's webhook first if given.</summary>
    private async Task<Stopped> StoppedCampaignAsync(string? webhook = null)
    {
        var (client, key) = await app.NewAccountAsync();
        var hook = webhook is null ? null : await SubscribeAsync(client, webhook);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(Scenario.NewYork(0))]);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync(id, "stop")).StatusCode);
        return new Stopped(client, await app.AccountOfAsync(key), id, hook);
    }

    private static async Task<string> SubscribeAsync(HttpClient client, string url)
    {
        var response = await client.PostAsJsonAsync("/v1/webhooks", new { url });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    private async Task<List<string>> RowsAsync(string campaignId)
    {
        var keys = new List<string>();
        await foreach (var row in app.Service<CampaignTables>().Events.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {campaignId}"), select: ["RowKey"]))
            keys.Add(row.RowKey);
        return keys;
    }
}
