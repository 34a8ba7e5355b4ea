using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Events;
using Campaigns.Functions.Integration.ServiceBus;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Events;

/// <summary>Delivers a campaign's stream to its account's webhooks (implemented by the webhook side).</summary>
internal interface IWebhookFanOut
{
    /// <summary>Delivers what each of the account's webhooks has not had yet, in order; <paramref name="only"/> limits it to one webhook.</summary>
    Task DeliverAsync(string accountId, string campaignId, string? only, CancellationToken cancellationToken);
}

/// <summary>
/// The outbox relay and the broker's deliverer. A relay pass, for one campaign:
/// <list type="number">
/// <item>reads its outbox rows: in the campaign's partition of <c>campaigns</c>, in its contact shards (one range
///   query) and in any upload partition named;</item>
/// <item>takes those at least <see cref="EventsOptions.SettleSeconds"/> old, sorted by time (then by the order of
///   <see cref="CampaignEvents.Rank"/>), and appends them to the campaign's stream under a lease, 99 to a transaction
///   with the head, each with its sequence number, as CloudEvents;</item>
/// <item>deletes the rows it appended; then every destination delivers what it has not had yet.</item>
/// </list>
/// A crash between append and delete appends those events again on the next pass: at-least-once, the same ids.
/// </summary>
internal sealed partial class EventRelay(
    CampaignTables tables, EventStreamStore streams, CampaignStore campaigns, EventQueue queue, IEventPublisher broker,
    IWebhookFanOut webhooks, EventsOptions options, TimeProvider time, ILogger<EventRelay> log)
{
    public const string BrokerDestination = "bus";
    private const int EventsPerTransaction = 99; // + the head row: Table Storage's 100

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());
    private Duration Settle => Duration.FromSeconds(options.SettleSeconds);

    public Task HandleAsync(EventWork work, CancellationToken cancellationToken) => work.Kind switch
    {
        "relay" => RelayAsync(work.Account, work.Campaign, work.Uploads, cancellationToken),
        "deliver" when work.Destination == BrokerDestination => DeliverToBrokerAsync(work.Account, work.Campaign, retry: true, cancellationToken),
        "deliver" => webhooks.DeliverAsync(work.Account, work.Campaign, work.Destination, cancellationToken),
        _ => Task.CompletedTask, // unknown work can never succeed: dropped
    };

    /// <summary>One relay pass for a campaign, then delivery. Idempotent: a pass with nothing to move only delivers.</summary>
    public async Task RelayAsync(string accountId, string campaignId, string? uploadPartition, CancellationToken cancellationToken)
    {
        var now = Now;
        var pending = await ReadOutboxAsync(accountId, campaignId, uploadPartition, cancellationToken);
        var fence = now - Settle;
        var ready = pending.Where(p => p.Event.Time <= fence)
            .OrderBy(p => p.Event.Time).ThenBy(p => CampaignEvents.Rank(p.Event.Type)).ThenBy(p => p.Event.Id, StringComparer.Ordinal)
            .ToList();
        if (ready.Count > 0 && !await AppendAsync(accountId, campaignId, ready, cancellationToken))
        {
            await queue.SendAsync(new EventWork("relay", accountId, campaignId, uploadPartition), TimeSpan.FromSeconds(1), cancellationToken);
            return; // another instance holds the stream: look again shortly
        }
        if (pending.Count > ready.Count)
        {
            // Rows too young to leave: come back when the youngest of those left is old enough.
            var wait = pending.Where(p => p.Event.Time > fence).Min(p => p.Event.Time) + Settle - now;
            await queue.SendAsync(new EventWork("relay", accountId, campaignId, uploadPartition), wait.ToTimeSpan(), cancellationToken);
        }
        else if (pending.Count >= options.RelayBatch)
        {
            LogBacklog(campaignId, pending.Count);
            await queue.SendAsync(new EventWork("relay", accountId, campaignId, uploadPartition), TimeSpan.Zero, cancellationToken);
        }
        await DeliverAllAsync(accountId, campaignId, cancellationToken);
    }

    private async Task DeliverAllAsync(string accountId, string campaignId, CancellationToken cancellationToken)
    {
        var brokerTask = broker.Enabled ? DeliverToBrokerAsync(accountId, campaignId, retry: false, cancellationToken) : Task.CompletedTask;
        await Task.WhenAll(brokerTask, webhooks.DeliverAsync(accountId, campaignId, null, cancellationToken));
    }

    private sealed record PendingRow(TableClient Table, string PartitionKey, string RowKey, OutboxEvent Event);

    private async Task<List<PendingRow>> ReadOutboxAsync(string accountId, string campaignId, string? uploadPartition, CancellationToken cancellationToken)
    {
        var rows = new List<PendingRow>();
        async Task ReadAsync(TableClient table, string filter)
        {
            await foreach (var e in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(1000, options.RelayBatch), cancellationToken: cancellationToken))
            {
                rows.Add(new PendingRow(table, e.PartitionKey, e.RowKey, OutboxRows.FromEntity(e)));
                if (rows.Count >= options.RelayBatch)
                    return;
            }
        }
        await ReadAsync(tables.Campaigns, TableClient.CreateQueryFilter(
            $"PartitionKey eq {accountId} and RowKey ge {OutboxRows.CampaignRowPrefix(campaignId)} and RowKey lt {OutboxRows.CampaignRowEnd(campaignId)}"));
        if (rows.Count < options.RelayBatch)
        {
            await ReadAsync(tables.Contacts, TableClient.CreateQueryFilter(
                $"PartitionKey gt {campaignId + "~"} and PartitionKey lt {campaignId + "~~"} and RowKey ge {OutboxRows.ShardPrefix} and RowKey lt {OutboxRows.ShardEnd}"));
        }
        if (uploadPartition is not null && uploadPartition.StartsWith(accountId + "~", StringComparison.Ordinal) && rows.Count < options.RelayBatch)
        {
            await ReadAsync(tables.Uploads, TableClient.CreateQueryFilter(
                $"PartitionKey eq {uploadPartition} and RowKey ge {OutboxRows.ShardPrefix} and RowKey lt {OutboxRows.ShardEnd}"));
        }
        // Only this account's rows of this campaign: a partition is never shared across accounts, but be strict.
        rows.RemoveAll(r => r.Event.AccountId != accountId || r.Event.CampaignId != campaignId);
        return rows;
    }

    /// <summary>Appends the rows to the stream under the stream's lease, then deletes them. False when another instance holds the lease.</summary>
    private async Task<bool> AppendAsync(string accountId, string campaignId, List<PendingRow> ready, CancellationToken cancellationToken)
    {
        var now = Now;
        var head = await streams.ReadHeadAsync(campaignId, accountId, cancellationToken);
        if (head.LeaseUntil is { } held && held > now)
            return false;
        try
        {
            head = await streams.WriteHeadAsync(head with { LeaseUntil = now + Duration.FromSeconds(options.LeaseSeconds) }, [], cancellationToken);
            var name = (await campaigns.GetAsync(accountId, campaignId, cancellationToken))?.Campaign.Name;
            foreach (var chunk in ready.Chunk(EventsPerTransaction))
            {
                var appended = chunk.Select((row, i) =>
                {
                    var sequence = head.NextSequence + i;
                    return new StreamEvent(sequence, row.Event.Id, row.Event.Type, accountId, campaignId, row.Event.Time, CloudEventJson.Build(row.Event, sequence, name));
                }).ToList();
                head = await streams.WriteHeadAsync(head with
                {
                    NextSequence = head.NextSequence + appended.Count, LeaseUntil = Now + Duration.FromSeconds(options.LeaseSeconds),
                }, appended, cancellationToken);
                await DeleteAsync(chunk, cancellationToken);
            }
            await streams.WriteHeadAsync(head with { LeaseUntil = null }, [], cancellationToken);
            LogRelayed(ready.Count, campaignId);
            return true;
        }
        catch (ConcurrencyConflictException)
        {
            return false; // the lease passed to another instance (ours expired): it carries on
        }
    }

    /// <summary>Deletes relayed rows, a transaction per partition; a row already gone (a pass run twice) is skipped.</summary>
    private static async Task DeleteAsync(IEnumerable<PendingRow> rows, CancellationToken cancellationToken)
    {
        foreach (var group in rows.GroupBy(r => (r.Table, r.PartitionKey)))
        {
            foreach (var chunk in group.Chunk(100))
            {
                try
                {
                    await group.Key.Table.SubmitTransactionAsync(chunk.Select(r =>
                        new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.PartitionKey, r.RowKey), ETag.All)), cancellationToken);
                }
                catch (TableTransactionFailedException)
                {
                    foreach (var row in chunk)
                    {
                        try { await row.Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken); }
                        catch (RequestFailedException ex) when (ex.Status == 404) { }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Sends the broker what it has not had of a stream, in order, in batches pipelined on one link. While the broker
    /// refuses or is down, the stream waits (doubling back-off, at most <see cref="EventsOptions.BrokerRetryMaxSeconds"/>)
    /// and is retried for ever; nothing is skipped. <paramref name="retry"/> is set for the back-off's own message,
    /// which may send before the recorded retry time (queue delays are whole seconds).
    /// </summary>
    public async Task DeliverToBrokerAsync(string accountId, string campaignId, bool retry, CancellationToken cancellationToken)
    {
        if (!broker.Enabled)
            return;
        var cursor = await streams.ReadCursorAsync(campaignId, BrokerDestination, cancellationToken);
        var now = Now;
        if (cursor.LeaseUntil is { } held && held > now)
        {
            // Another deliverer is sending: it may have read the stream's end before our append, so look again soon.
            await queue.SendAsync(new EventWork("deliver", accountId, campaignId, Destination: BrokerDestination), TimeSpan.FromSeconds(2), cancellationToken);
            return;
        }
        if (!retry && cursor.NextAttemptAt is { } next && next > now)
            return; // backing off: the retry message comes at that time
        try
        {
            cursor = await streams.WriteCursorAsync(cursor with { LeaseUntil = now + Duration.FromSeconds(options.LeaseSeconds) }, cancellationToken);
            while (true)
            {
                var batch = await streams.ReadAsync(campaignId, cursor.Delivered, options.BrokerBatch, cancellationToken);
                if (batch.Count == 0)
                    break;
                var outgoing = batch.Select(e => new OutgoingEvent(e.Id, e.Type, e.CampaignId, e.AccountId, System.Text.Encoding.UTF8.GetBytes(e.Body))).ToList();
                try
                {
                    await broker.PublishAsync(outgoing, cancellationToken);
                    cursor = await streams.WriteCursorAsync(cursor with { Delivered = batch[^1].Sequence, FailedAttempts = 0, FirstFailedAt = null, NextAttemptAt = null }, cancellationToken);
                }
                catch (EventPublishException ex)
                {
                    var failed = cursor.FailedAttempts + 1;
                    var wait = Duration.FromSeconds(Math.Min(options.BrokerRetryMaxSeconds, Math.Pow(2, Math.Min(failed - 1, 20))));
                    var at = Now + wait;
                    LogBrokerFailed(campaignId, ex.AcceptedPrefix, failed, wait.TotalSeconds, ex.Message);
                    // The retry message first: if we die after it, it still comes; if we die before it, this message is retried.
                    await queue.SendAsync(new EventWork("deliver", accountId, campaignId, Destination: BrokerDestination), wait.ToTimeSpan(), cancellationToken);
                    cursor = await streams.WriteCursorAsync(cursor with
                    {
                        Delivered = ex.AcceptedPrefix > 0 ? batch[ex.AcceptedPrefix - 1].Sequence : cursor.Delivered,
                        FailedAttempts = failed, FirstFailedAt = cursor.FirstFailedAt ?? now, NextAttemptAt = at,
                    }, cancellationToken);
                    break;
                }
            }
            await streams.WriteCursorAsync(cursor with { LeaseUntil = null }, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            // Another deliverer took over (our lease had expired): it sends from where the cursor says.
        }
    }

    /// <summary>
    /// Relays outbox rows that have waited longer than <see cref="EventsOptions.SweepGraceSeconds"/> (their relay
    /// message was lost in a crash): every campaign row outbox and upload outbox in any account, and the contact shards
    /// of campaigns that can still have calls (scheduled, running, paused). Returns how many campaigns it relayed.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = (Now - Duration.FromSeconds(options.SweepGraceSeconds)).ToUnixTimeTicks();
        var work = new HashSet<(string Account, string Campaign, string? Uploads)>();
        var campaignRows = TableClient.CreateQueryFilter($"RowKey ge {OutboxRows.AnyCampaignRowStart} and RowKey lt {OutboxRows.AnyCampaignRowEnd} and TimeTicks lt {cutoff}");
        await foreach (var e in tables.Campaigns.QueryAsync<TableEntity>(campaignRows, select: ["Account", "CampaignId"], cancellationToken: cancellationToken))
            work.Add((e.GetString("Account")!, e.GetString("CampaignId")!, null));
        var uploadRows = TableClient.CreateQueryFilter($"RowKey ge {OutboxRows.ShardPrefix} and RowKey lt {OutboxRows.ShardEnd} and TimeTicks lt {cutoff}");
        await foreach (var e in tables.Uploads.QueryAsync<TableEntity>(uploadRows, select: ["PartitionKey", "Account", "CampaignId"], cancellationToken: cancellationToken))
            work.Add((e.GetString("Account")!, e.GetString("CampaignId")!, e.PartitionKey));
        await foreach (var stored in campaigns.ActiveAsync(cancellationToken))
            work.Add((stored.AccountId, stored.Campaign.Id, null));
        foreach (var (account, campaign, uploads) in work)
            await RelayAsync(account, campaign, uploads, cancellationToken);
        return work.Count;
    }

    [LoggerMessage(EventId = 5022, Level = LogLevel.Warning, Message = "Campaign {CampaignId} has {Count} or more outbox rows waiting: relayed in passes, its event order may not hold across them")]
    private partial void LogBacklog(string campaignId, int count);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Debug, Message = "Relayed {Count} event(s) of campaign {CampaignId}")]
    private partial void LogRelayed(int count, string campaignId);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Warning, Message = "The broker took {Accepted} event(s) of campaign {CampaignId} then failed (attempt {Attempt}); retrying in {Seconds} s: {Reason}")]
    private partial void LogBrokerFailed(string campaignId, int accepted, int attempt, double seconds, string reason);
}

/// <summary>No broker configured: events go to webhooks only (replaced by the AMQP publisher when one is registered).</summary>
internal sealed class NoBroker : IEventPublisher
{
    public bool Enabled => false;

    public Task PublishAsync(IReadOnlyList<OutgoingEvent> events, CancellationToken cancellationToken) => Task.CompletedTask;
}
