using Campaigns.Domain.Calls;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.Infrastructure;
using NodaTime;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;

namespace Campaigns.Functions.Tests.Events;

/// <summary>An app whose queue, blob and timer functions are off: the tests run relay passes themselves and count what each one costs.</summary>
public sealed class ManualRelayFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new(TriggersOff()))
{
    /// <summary>Writes events into one contact shard's outbox the way the engine does (the partition marked first).</summary>
    internal async Task WriteShardEventsAsync(string accountId, string campaignId, int shard, int count, CancellationToken cancellationToken = default)
    {
        var now = Instant.FromDateTimeOffset(Clock.GetUtcNow());
        var events = Enumerable.Range(0, count)
            .Select(i => OutboxEvent.CallStarted(accountId, new AttemptId(campaignId, shard, Requests.UsPhone(i), 1), now)).ToList();
        await Service<IOutboxSignal>().SubmitAsync(Service<CampaignTables>().Contacts, OutboxTable.Contacts,
            [OutboxRows.InShardPartition(ContactSharding.PartitionKey(campaignId, shard), events)], cancellationToken);
    }

    internal (long Rows, long Events, long Requests) Snapshot()
    {
        var metrics = Service<RelayMetrics>();
        var requests = Service<StorageRequestCounter>().ByScope.GetValueOrDefault("relay");
        return (Interlocked.Read(ref metrics.OutboxRowsRead), Interlocked.Read(ref metrics.EventsRelayed), requests);
    }
}

public sealed class When_the_relay_runs_its_cost_follows_the_events_not_the_campaign(ManualRelayFixture app) : IClassFixture<ManualRelayFixture>
{
    private EventRelay Relay => app.Service<EventRelay>();

    [Fact]
    public async Task A_pass_reads_only_the_marked_partitions_outbox_rows_whatever_the_campaign_size()
    {
        var (client, key) = await app.NewAccountAsync();
        var account = await app.AccountOfAsync(key);
        var costs = new List<(long Rows, long Events, long Requests)>();
        foreach (var size in new[] { 10, 3_000 })
        {
            var id = await Scenario.CreateAsync(client, Enumerable.Range(0, size).Select(i => Scenario.Contact(Scenario.NewYork(i))));
            app.Clock.Advance(TimeSpan.FromSeconds(2));
            await Relay.RelayAsync(account, id, CancellationToken.None); // campaign.created leaves; its mark is old enough to go next time
            app.Clock.Advance(TimeSpan.FromSeconds(5));
            await Relay.RelayAsync(account, id, CancellationToken.None);
            Assert.Empty(await app.Service<OutboxIndex>().ReadAsync(id, CancellationToken.None));

            await app.WriteShardEventsAsync(account, id, shard: 0, count: 40);
            app.Clock.Advance(TimeSpan.FromSeconds(2));
            var before = app.Snapshot();
            await Relay.RelayAsync(account, id, CancellationToken.None);
            var after = app.Snapshot();
            costs.Add((after.Rows - before.Rows, after.Events - before.Events, after.Requests - before.Requests));
        }
        // One packed outbox row, 40 events, and the same handful of requests for 10 contacts and for 3,000.
        Assert.All(costs, c => Assert.Equal((1L, 40L), (c.Rows, c.Events)));
        Assert.Equal(costs[0].Requests, costs[1].Requests);
        Assert.InRange(costs[1].Requests, 5, 12);
    }

    [Fact]
    public async Task A_pass_delivers_what_it_appended_from_memory_without_reading_the_stream_back()
    {
        await using var receiver = await Webhooks.WebhookReceiver.StartAsync();
        var (account, id) = await SubscribedCampaignAsync(receiver, "whsec_memory_0123456789abcdef");
        await app.WriteShardEventsAsync(account, id, shard: 0, count: 40);
        app.Clock.Advance(TimeSpan.FromSeconds(2));

        var pageReads = StreamPageReads();
        await Relay.RelayAsync(account, id, CancellationToken.None);

        Assert.Equal(pageReads, StreamPageReads()); // the webhook got the pass's 41 events without a page query
        var stream = await app.Service<EventStreamStore>().ReadAsync(id, 0, 100, CancellationToken.None);
        Assert.Equal(41, stream.Count);
        var received = await Eventually.UntilAsync(() => Task.FromResult(receiver.Received), r => r.Count >= stream.Count, "the webhook gets every event");
        Assert.Equal(stream.Select(e => e.Body), received.Select(r => System.Text.Encoding.UTF8.GetString(r.Body))); // in order, the bytes as stored
    }

    [Fact]
    public async Task The_sweep_resumes_an_owed_delivery_of_an_active_campaign_in_its_minute_and_leaves_it_alone_in_the_others()
    {
        await using var receiver = await Webhooks.WebhookReceiver.StartAsync();
        var (account, id) = await SubscribedCampaignAsync(receiver, "whsec_sweep_0123456789abcdef");
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        receiver.Respond = http => { http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable; return Task.CompletedTask; };
        await Relay.RelayAsync(account, id, CancellationToken.None);
        var failed = receiver.Received.Count;
        Assert.True(failed > 0, "the pass tried the webhook");
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        await Relay.RelayAsync(account, id, CancellationToken.None); // the outbox index lets go of the campaign; the webhook is backing off
        Assert.Empty(await app.Service<OutboxIndex>().ReadAsync(id, CancellationToken.None));
        Assert.Equal(failed, receiver.Received.Count);
        // The webhook is back, and its retry is due, but the retry's message was lost (this app runs no queue
        // functions): only the sweep can find the owed delivery.
        receiver.Respond = http => { http.Response.StatusCode = StatusCodes.Status204NoContent; return Task.CompletedTask; };
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var every = app.Service<EventsOptions>().DeliverySweepMinutes;
        Assert.True(every > 1, "by default a campaign is looked at less often than every minute");

        var sweptIn = new List<int>();
        for (var minute = 0; minute < every; minute++)
        {
            var swept = await Relay.SweepAsync(CancellationToken.None);
            if (swept.Contains((account, id)))
                sweptIn.Add(minute);
            else if (sweptIn.Count == 0)
                Assert.Equal(failed, receiver.Received.Count); // not the campaign's minute: the webhook is not tried
            app.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Single(sweptIn);
        var stream = await app.Service<EventStreamStore>().ReadAsync(id, 0, 100, CancellationToken.None);
        Assert.NotEmpty(stream);
        Assert.Equal(stream.Select(e => e.Body), receiver.Received.Skip(failed).Select(r => System.Text.Encoding.UTF8.GetString(r.Body))); // all of it, in order
    }

    private long StreamPageReads() =>
        app.Service<StorageRequestCounter>().ByKind.Where(k => k.Key.StartsWith("GET ", StringComparison.Ordinal) && k.Key.EndsWith("events query", StringComparison.Ordinal)).Sum(k => k.Value);

    [Fact]
    public async Task A_partition_is_in_the_index_before_its_rows_commit_and_leaves_it_once_emptied_and_old_enough()
    {
        var (client, key) = await app.NewAccountAsync();
        var account = await app.AccountOfAsync(key);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(Scenario.NewYork(1))]);
        await app.WriteShardEventsAsync(account, id, shard: 0, count: 3);

        var marks = await app.Service<OutboxIndex>().ReadAsync(id, CancellationToken.None);
        Assert.Equal([OutboxTable.Campaigns, OutboxTable.Contacts], marks.Select(m => m.Partition.Table).Order());

        // Relayed once the rows have settled, but the marks are younger than reuse + settle: they stay.
        app.Clock.Advance(TimeSpan.FromSeconds(1.5));
        await Relay.RelayAsync(account, id, CancellationToken.None);
        Assert.Empty(await EventStreams.OutboxRowsAsync(app, id));
        Assert.Equal(2, (await app.Service<OutboxIndex>().ReadAsync(id, CancellationToken.None)).Count);

        app.Clock.Advance(TimeSpan.FromSeconds(2));
        await Relay.RelayAsync(account, id, CancellationToken.None);
        Assert.Empty(await app.Service<OutboxIndex>().ReadAsync(id, CancellationToken.None));
        var stream = await app.Service<EventStreamStore>().ReadAsync(id, 0, 100, CancellationToken.None);
        Assert.Equal(["campaign.created", "call.started", "call.started", "call.started"], stream.Select(e => e.Type));
    }

    [Fact]
    public async Task A_commit_that_outlives_the_reuse_window_marks_the_partition_again()
    {
        var index = app.Service<OutboxIndex>();
        var campaign = "cmp_slowcommit" + Guid.NewGuid().ToString("N")[..6];
        var partition = new OutboxPartition(OutboxTable.Contacts, ContactSharding.PartitionKey(campaign, 0));
        var marked = await index.MarkAsync("acct_x", campaign, partition, CancellationToken.None);
        var first = Assert.Single(await index.ReadAsync(campaign, CancellationToken.None));

        // A commit inside the window relies on the mark; a second writer reuses it without a write.
        await index.CommittedAsync("acct_x", campaign, partition, marked, CancellationToken.None);
        Assert.Equal(marked, await index.MarkAsync("acct_x", campaign, partition, CancellationToken.None));
        Assert.Equal(first.ETag, Assert.Single(await index.ReadAsync(campaign, CancellationToken.None)).ETag);

        // A commit that ends after the window: the relay may have cleared the mark meanwhile, so it is written again.
        await index.ClearAsync(first, CancellationToken.None);
        app.Clock.Advance(TimeSpan.FromSeconds(3));
        await index.CommittedAsync("acct_x", campaign, partition, marked, CancellationToken.None);
        var again = Assert.Single(await index.ReadAsync(campaign, CancellationToken.None));
        Assert.True(again.MarkedAt > first.MarkedAt);

        // A relay that read the older version cannot clear the newer one.
        await index.ClearAsync(first, CancellationToken.None);
        Assert.Single(await index.ReadAsync(campaign, CancellationToken.None));
    }

    [Fact]
    public async Task The_sweep_relays_a_campaign_whose_relay_signal_was_lost_even_once_it_has_ended()
    {
        var (client, key) = await app.NewAccountAsync();
        var account = await app.AccountOfAsync(key);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(Scenario.NewYork(1))]);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PatchAsync(id, "stop")).StatusCode);
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        await Relay.RelayAsync(account, id, CancellationToken.None);
        Assert.Empty(await app.Service<OutboxIndex>().ReadAsync(id, CancellationToken.None));

        // A late event of the stopped campaign: its partition marked and its row committed, then the process died
        // before the relay message went out.
        var partition = ContactSharding.PartitionKey(id, 0);
        var late = OutboxEvent.ContactResolved(account, id, Scenario.NewYork(1), "interested", 1, NodaTime.Instant.FromDateTimeOffset(app.Clock.GetUtcNow()));
        await app.Service<OutboxIndex>().MarkAsync(account, id, new OutboxPartition(OutboxTable.Contacts, partition), CancellationToken.None);
        await app.Service<CampaignTables>().Contacts.SubmitTransactionAsync([OutboxRows.InShardPartition(partition, late)]);
        app.Clock.Advance(TimeSpan.FromSeconds(2));

        await Relay.SweepAsync(CancellationToken.None);

        var stream = await app.Service<EventStreamStore>().ReadAsync(id, 0, 100, CancellationToken.None);
        Assert.Equal(["campaign.created", "campaign.stopped", "contact.resolved"], stream.Select(e => e.Type));
        Assert.Equal(late.Id, stream[^1].Id);
    }

    /// <summary>A new account whose webhook is <paramref name="receiver"/>, and a one-contact campaign of it.</summary>
    private async Task<(string Account, string CampaignId)> SubscribedCampaignAsync(Webhooks.WebhookReceiver receiver, string secret)
    {
        var (client, key) = await app.NewAccountAsync();
        var account = await app.AccountOfAsync(key);
        var hook = await client.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url().ToString(), secret });
        Assert.Equal(System.Net.HttpStatusCode.Created, hook.StatusCode);
        return (account, await Scenario.CreateAsync(client, [Scenario.Contact(Scenario.NewYork(1))]));
    }
}
