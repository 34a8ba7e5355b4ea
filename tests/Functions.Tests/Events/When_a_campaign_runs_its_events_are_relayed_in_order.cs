using Azure.Data.Tables;
using System.Text.Json.Nodes;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Events;

/// <summary>The same app and clock as the engine scenarios (calls end at once); events settle for the default 1 s.</summary>
public sealed class EventsFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "0",
    ["Engine:MaxCallsInProgress"] = "5",
});

public sealed class When_a_campaign_runs_its_events_are_relayed_in_order(EventsFixture app) : IClassFixture<EventsFixture>
{
    [Fact]
    public async Task Every_change_is_in_the_stream_once_in_causal_order_and_the_outbox_is_empty()
    {
        var (client, _) = await app.NewAccountAsync();
        var outcomes = new[] { "interested", "no_answer", "busy", "renewed" };
        var id = await Scenario.CreateAsync(client, outcomes.Select((o, i) => Scenario.Contact(Scenario.NewYork(i), o)));
        await Scenario.StartAsync(client, id);
        await Scenario.UntilStatusAsync(client, id, "completed");

        app.Clock.Advance(TimeSpan.FromSeconds(2)); // every row is now old enough to leave
        var stream = await EventStreams.UntilAsync(app, id, events => events.Any(e => e.Type == "campaign.completed"));

        var types = stream.Select(e => e.Type).ToList();
        Assert.Equal(["campaign.created", "campaign.started"], types.Take(2));
        Assert.Equal("campaign.completed", types[^1]);
        Assert.Equal(2 + 3 * outcomes.Length + 1, stream.Count);
        Assert.Equal(Enumerable.Range(1, stream.Count).Select(n => (long)n), stream.Select(e => e.Sequence));
        Assert.Equal(stream.Count, stream.Select(e => e.Id).Distinct().Count());
        foreach (var phone in outcomes.Select((_, i) => Scenario.NewYork(i)))
        {
            var own = stream.Where(e => Data(e)["phone"]?.GetValue<string>() == phone).Select(e => e.Type).ToList();
            Assert.Equal(["call.started", "call.completed", "contact.resolved"], own);
        }
        var completed = stream.Single(e => e.Type == "call.completed" && Data(e)["phone"]!.GetValue<string>() == Scenario.NewYork(2));
        Assert.Equal("busy", Data(completed)["outcome"]!.GetValue<string>());
        Assert.Equal(1, Data(completed)["attempt"]!.GetValue<int>());
        var resolved = stream.Single(e => e.Type == "contact.resolved" && Data(e)["phone"]!.GetValue<string>() == Scenario.NewYork(0));
        Assert.Equal("interested", Data(resolved)["disposition"]!.GetValue<string>());

        var envelope = JsonNode.Parse(stream[0].Body)!.AsObject();
        Assert.Equal("1.0", envelope["specversion"]!.GetValue<string>());
        Assert.Equal(stream[0].Id, envelope["id"]!.GetValue<string>());
        Assert.Equal("000000000001", envelope["sequence"]!.GetValue<string>());
        Assert.Equal(id, envelope["campaignid"]!.GetValue<string>());
        Assert.Equal(id, envelope["data"]!["campaign_id"]!.GetValue<string>());
        Assert.Equal("Engine scenario", envelope["data"]!["campaign_name"]!.GetValue<string>());

        await EventStreams.UntilOutboxEmptyAsync(app, id); // the relay deletes what it appended, right after appending it
    }

    private static JsonObject Data(StreamEvent e) => JsonNode.Parse(e.Body)!["data"]!.AsObject();
}

/// <summary>Reads a campaign's event stream and its outbox straight from storage.</summary>
public static class EventStreams
{
    internal static Task<List<StreamEvent>> UntilAsync(AppFixture app, string campaignId, Func<List<StreamEvent>, bool> done, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => app.Service<EventStreamStore>().ReadAsync(campaignId, 0, 10_000, CancellationToken.None), done,
            $"the stream of {campaignId} gets there", timeout);

    /// <summary>Where a destination (<c>bus</c> or a webhook id) stands in a campaign's stream.</summary>
    internal static Task<StreamCursor> UntilCursorAsync(AppFixture app, string campaignId, string destination, Func<StreamCursor, bool> done, string what) =>
        Eventually.UntilAsync(() => app.Service<EventStreamStore>().ReadCursorAsync(campaignId, destination, CancellationToken.None), done, what);

    internal static Task UntilOutboxEmptyAsync(AppFixture app, string campaignId) =>
        Eventually.UntilAsync(() => OutboxRowsAsync(app, campaignId), rows => rows.Count == 0, $"every outbox row of {campaignId} is relayed", TimeSpan.FromSeconds(15));

    internal static async Task<List<TableEntity>> OutboxRowsAsync(AppFixture app, string campaignId)
    {
        var tables = app.Service<CampaignTables>();
        var rows = new List<TableEntity>();
        await foreach (var e in tables.Contacts.QueryAsync<TableEntity>(TableClient.CreateQueryFilter(
            $"PartitionKey gt {campaignId + "~"} and PartitionKey lt {campaignId + "~~"} and RowKey ge {OutboxRows.ShardPrefix} and RowKey lt {OutboxRows.ShardEnd}")))
            rows.Add(e);
        var campaignRows = new OutboxPartition(OutboxTable.Campaigns, "");
        await foreach (var e in tables.Campaigns.QueryAsync<TableEntity>(TableClient.CreateQueryFilter(
            $"RowKey ge {OutboxRows.RowStart(campaignRows, campaignId)} and RowKey lt {OutboxRows.RowEnd(campaignRows, campaignId)}")))
            rows.Add(e);
        return rows;
    }
}
