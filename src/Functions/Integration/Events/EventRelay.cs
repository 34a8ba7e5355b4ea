using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Events;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Retention;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Events;

/// <summary>Delivers a campaign's stream to its account's webhooks (implemented by the webhook side).</summary>
internal interface IWebhookFanOut
{
    /// <summary>
    /// Delivers what each of the account's webhooks has not had yet, in order; <paramref name="only"/> limits it to one
    /// webhook; <paramref name="appended"/> are events a relay pass has just appended (sent from memory, not read back);
    /// <paramref name="targets"/> the account's webhooks as the pass listed them (listed here when not given).
    /// </summary>
    Task DeliverAsync(string accountId, string campaignId, string? only, CancellationToken cancellationToken, AppendedEvents? appended = null,
        IReadOnlyList<Webhook>? targets = null);

    /// <summary>The account's webhooks.</summary>
    Task<IReadOnlyList<Webhook>> ListAsync(string accountId, CancellationToken cancellationToken);
}

/// <summary>What the relay and the broker's deliverer have done since start, and where their time went (Stopwatch ticks): for the benchmarks and metrics.</summary>
internal sealed class RelayMetrics
{
    public long Passes;
    public long MarksRead;
    public long OutboxRowsRead;
    public long EventsRelayed;
    public long ReadTicks;
    public long AppendTicks;
    public long DeleteTicks;
    public long BrokerReadTicks;
    public long BrokerSendTicks;
    public long BrokerCursorTicks;

    /// <summary>Adds the time since <paramref name="started"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp) to <paramref name="ticks"/>.</summary>
    public static void Since(ref long ticks, long started) => Interlocked.Add(ref ticks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
}

/// <summary>
/// The outbox relay. A pass, for one campaign:
/// <list type="number">
/// <item>reads the campaign's outbox index (<see cref="OutboxIndex"/>: one partition-scoped query), then the outbox rows
///   of each partition it names (one partition-scoped query each, side by side): the cost of a pass follows the
///   events waiting, never the campaign's size;</item>
/// <item>takes the rows at least <see cref="EventsOptions.SettleSeconds"/> old, and their events sorted by time (then
///   by <see cref="CampaignEvents.Rank"/>, then as written), and appends them under the stream's lease to the campaign's
///   stream, in pages, each event with its sequence number, as CloudEvents;</item>
/// <item>deletes the rows it appended, clears the index's marks of partitions it left empty, then every destination
///   delivers what it has not had yet: the broker from the pass's first committed append on, side by side with the
///   appends that follow (<see cref="AppendedEvents.Growing"/>), the webhooks once the pass has ended.</item>
/// </list>
/// A crash between append and delete appends those events again on the next pass: at-least-once, the same ids.
/// </summary>
internal sealed partial class EventRelay(
    CampaignTables tables, OutboxIndex index, EventStreamStore streams, CampaignStore campaigns, EventQueue queue, BrokerDelivery broker,
    IWebhookFanOut webhooks, IRetentionNotes retention, EventsOptions options, RelayMetrics metrics, Hosting.CampaignTelemetry telemetry,
    TimeProvider time, ILogger<EventRelay> log)
{
    public const string BrokerDestination = BrokerDelivery.Destination;
    private const int ParallelReads = 8;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());
    private Duration Settle => Duration.FromSeconds(options.SettleSeconds);

    public async Task HandleAsync(EventWork work, CancellationToken cancellationToken)
    {
        queue.Consumed(work);
        switch (work.Kind)
        {
            case "relay":
                await RelayAsync(work.Account, work.Campaign, cancellationToken);
                break;
            case "deliver" when work.Destination == BrokerDestination:
                using (StorageRequestCounter.Scope("delivery"))
                    await broker.DeliverAsync(work.Account, work.Campaign, retry: true, cancellationToken);
                break;
            case "deliver":
                using (StorageRequestCounter.Scope("delivery"))
                    await webhooks.DeliverAsync(work.Account, work.Campaign, work.Destination, cancellationToken);
                break;
            // unknown work can never succeed: dropped
        }
    }

    /// <summary>
    /// One relay pass for a campaign, then delivery. Idempotent: a pass with nothing to move only delivers. The broker's
    /// deliverer starts as soon as the pass's first append has committed and sends each append while the pass writes the
    /// next (<see cref="AppendedEvents.Growing"/>); the webhooks start once the pass has ended, as they take events in
    /// units of their own size.
    /// </summary>
    public async Task RelayAsync(string accountId, string campaignId, CancellationToken cancellationToken)
    {
        // The account's webhooks, listed while the pass starts: those that exist as it starts get its events (one made
        // later would pass over them anyway, as they happened before it). With none, the broker's deliverer is the only
        // reader of what the pass appends, and what it has sent is let go at once (AppendedEvents.Sent).
        Task<IReadOnlyList<Webhook>> listing;
        using (StorageRequestCounter.Scope("delivery"))
            listing = webhooks.ListAsync(accountId, cancellationToken);
        var appended = AppendedEvents.Growing(listing.ContinueWith(t => !t.IsCompletedSuccessfully || t.Result.Count > 0,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        Task? sending = null;
        void OnAppended(IReadOnlyList<StreamEvent> events)
        {
            appended.Add(events);
            if (sending is not null || !broker.Enabled)
                return;
            using (StorageRequestCounter.Scope("delivery")) // the deliverer's requests are counted as delivery, not relay
                sending = broker.DeliverAsync(accountId, campaignId, retry: false, cancellationToken, appended);
        }
        bool moved;
        try
        {
            using (StorageRequestCounter.Scope("relay"))
                moved = await PassAsync(accountId, campaignId, OnAppended, cancellationToken);
        }
        catch
        {
            // What was appended is in the stream and may go on; the pass's failure is what the queue retries.
            appended.Complete();
            Observe(listing);
            if (sending is not null)
            {
                try
                {
                    await sending;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogDeliveryAfterFailedPass(campaignId, ex.Message); // the cursor is where the sends got to: redone after the retry
                }
            }
            throw;
        }
        appended.Complete();
        if (!moved)
        {
            Observe(listing); // the pass that holds the stream delivers
            await (sending ?? Task.CompletedTask); // what the pass appended before it lost the stream still goes
            return;
        }
        using (StorageRequestCounter.Scope("delivery"))
        {
            sending ??= broker.Enabled ? broker.DeliverAsync(accountId, campaignId, retry: false, cancellationToken, appended) : Task.CompletedTask;
            await Task.WhenAll(sending, DeliverToWebhooksAsync());
        }

        async Task DeliverToWebhooksAsync() => await webhooks.DeliverAsync(accountId, campaignId, null, cancellationToken, appended, await listing);
    }

    /// <summary>A task whose outcome no longer matters: its failure is observed, not raised.</summary>
    private static void Observe(Task task) =>
        task.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>
    /// Moves what is ready, handing each append to <paramref name="onAppended"/> once it has committed; false when
    /// another instance holds the stream (it delivers, and we look again shortly).
    /// </summary>
    private async Task<bool> PassAsync(string accountId, string campaignId, Action<IReadOnlyList<StreamEvent>> onAppended, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref metrics.Passes);
        var now = Now;
        var head = await streams.ReadHeadAsync(campaignId, accountId, cancellationToken);
        if (head.LeaseUntil is { } leased && leased > now)
        {
            // Another pass is appending: it will see what we would (and it delivers); look again once it is done.
            await queue.ScheduleAsync(new EventWork("relay", accountId, campaignId), TimeSpan.FromSeconds(1), cancellationToken);
            return false;
        }
        var marks = (await index.ReadAsync(campaignId, cancellationToken)).Where(m => Belongs(m, accountId, campaignId)).ToList();
        Interlocked.Add(ref metrics.MarksRead, marks.Count);
        var reading = System.Diagnostics.Stopwatch.GetTimestamp();
        var (rows, truncated) = await ReadOutboxAsync(campaignId, marks, cancellationToken);
        RelayMetrics.Since(ref metrics.ReadTicks, reading);
        var fence = (now - Settle).ToUnixTimeTicks();
        var ready = rows.Where(r => r.TimeTicks <= fence).ToList();
        if (ready.Count > 0) // a campaign's end or an upload's, noted for retention before it is appended (a crash repeats both)
            await retention.EventsAppendingAsync(ready.SelectMany(r => Enumerable.Range(0, r.Count).Where(i => RetentionIndex.MayNote(r.Packed.TypeAt(i)))
                .Select(r.Packed.Decode)).ToList(), cancellationToken);
        if (ready.Count > 0 && !await AppendAsync(head, ready, onAppended, cancellationToken))
        {
            await queue.ScheduleAsync(new EventWork("relay", accountId, campaignId), TimeSpan.FromSeconds(1), cancellationToken);
            return false;
        }
        // Marks of partitions this pass read to the end and left empty go, once no writer can still rely on them.
        var left = rows.Where(r => r.TimeTicks > fence).Select(r => r.Partition).ToHashSet();
        var clearable = now - Duration.FromSeconds(options.MarkReuseSeconds) - Settle;
        foreach (var mark in marks.Where(m => !truncated && !left.Contains(m.Partition) && m.MarkedAt < clearable))
            await index.ClearAsync(mark, cancellationToken);

        if (rows.Count > ready.Count)
        {
            // Rows too young to leave: come back when the youngest of those left is old enough.
            var wait = Instant.FromUnixTimeTicks(rows.Where(r => r.TimeTicks > fence).Min(r => r.TimeTicks)) + Settle - now;
            await queue.ScheduleAsync(new EventWork("relay", accountId, campaignId), wait.ToTimeSpan(), cancellationToken);
        }
        else if (truncated)
        {
            LogBacklog(campaignId, options.RelayBatch);
            await queue.ScheduleAsync(new EventWork("relay", accountId, campaignId), TimeSpan.Zero, cancellationToken);
        }
        else if (marks.Count > 0 && rows.Count == 0 && marks.Any(m => m.MarkedAt >= clearable))
        {
            // Marks too young to clear, nothing behind them yet: a writer may be committing. Look once more when they can go.
            var wait = marks.Max(m => m.MarkedAt) - clearable;
            await queue.ScheduleAsync(new EventWork("relay", accountId, campaignId), wait.ToTimeSpan(), cancellationToken);
        }
        return true;
    }

    /// <summary>A mark names a partition of this campaign and account only: never read another's rows, whatever the index says.</summary>
    private static bool Belongs(OutboxMark mark, string accountId, string campaignId) =>
        mark.AccountId == accountId && mark.Partition.Table switch
        {
            OutboxTable.Campaigns => mark.Partition.PartitionKey == accountId,
            OutboxTable.Contacts => ContactSharding.CampaignOfPartition(mark.Partition.PartitionKey) == campaignId,
            _ => mark.Partition.PartitionKey.StartsWith(accountId + "~", StringComparison.Ordinal),
        };

    private TableClient TableOf(OutboxPartition partition) => partition.Table switch
    {
        OutboxTable.Campaigns => tables.Campaigns,
        OutboxTable.Contacts => tables.Contacts,
        _ => tables.Uploads,
    };

    /// <summary>The outbox rows of the marked partitions, one partition-scoped query each; truncated past <see cref="EventsOptions.RelayBatch"/> events.</summary>
    private async Task<(List<PendingRow> Rows, bool Truncated)> ReadOutboxAsync(string campaignId, List<OutboxMark> marks, CancellationToken cancellationToken)
    {
        var rows = new List<PendingRow>();
        var events = 0;
        var truncated = false;
        await Parallel.ForEachAsync(marks, new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken }, async (mark, ct) =>
        {
            var partition = mark.Partition;
            var table = TableOf(partition);
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {partition.PartitionKey} and RowKey ge {OutboxRows.RowStart(partition, campaignId)} and RowKey lt {OutboxRows.RowEnd(partition, campaignId)}");
            await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            {
                Interlocked.Increment(ref metrics.OutboxRowsRead);
                if (e.GetString("CampaignId") != campaignId)
                    continue; // strict: only this campaign's rows
                var row = new PendingRow(partition, table, e.RowKey, PackedOutboxRow.Read(e));
                lock (rows)
                {
                    if (events >= options.RelayBatch)
                    {
                        truncated = true;
                        return;
                    }
                    rows.Add(row);
                    events += row.Count;
                }
            }
        });
        return (rows, truncated);
    }

    /// <summary>
    /// Appends the rows' events to the stream under the stream's lease, each append handed to
    /// <paramref name="onAppended"/> once committed, then deletes the rows. False when the head changed since it was
    /// read (another pass appended or holds the lease).
    /// </summary>
    private async Task<bool> AppendAsync(StreamHead head, List<PendingRow> ready, Action<IReadOnlyList<StreamEvent>> onAppended, CancellationToken cancellationToken)
    {
        var (accountId, campaignId) = (head.AccountId, head.CampaignId);
        var appending = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            // The first append takes the lease with it (under the head's ETag read at the pass's start); the lease is
            // kept until the rows are deleted, so no other pass can append them again meanwhile.
            var name = (await campaigns.GetAsync(accountId, campaignId, cancellationToken))?.Campaign.Name;
            foreach (var chunk in PassRows.InAppends(ready))
            {
                var now = Now;
                var appended = chunk.Select((e, i) =>
                {
                    var sequence = head.NextSequence + i;
                    return new StreamEvent(sequence, e.Id, e.Type, accountId, campaignId, e.Time, CloudEventJson.Build(e, sequence, name)) { AppendedAt = now };
                }).ToList();
                head = await streams.WriteHeadAsync(head with
                {
                    NextSequence = head.NextSequence + appended.Count, LeaseUntil = now + Duration.FromSeconds(options.LeaseSeconds),
                }, appended, now, cancellationToken);
                onAppended(appended);
            }
            RelayMetrics.Since(ref metrics.AppendTicks, appending);
            var deleting = System.Diagnostics.Stopwatch.GetTimestamp();
            await DeleteAsync(ready, cancellationToken);
            await streams.WriteHeadAsync(head with { LeaseUntil = null }, [], Now, cancellationToken);
            RelayMetrics.Since(ref metrics.DeleteTicks, deleting);
            var count = ready.Sum(r => r.Count);
            Interlocked.Add(ref metrics.EventsRelayed, count);
            var relayedAt = Now;
            foreach (var row in ready)
                telemetry.OutboxAge(relayedAt - Instant.FromUnixTimeTicks(row.TimeTicks));
            LogRelayed(count, campaignId);
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
        await Parallel.ForEachAsync(rows.GroupBy(r => r.Partition), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            var table = group.First().Table;
            foreach (var chunk in group.Chunk(100))
            {
                try
                {
                    await table.SubmitTransactionAsync(chunk.Select(r =>
                        new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(group.Key.PartitionKey, r.RowKey), ETag.All)), ct);
                }
                catch (TableTransactionFailedException)
                {
                    foreach (var row in chunk)
                    {
                        try { await table.DeleteEntityAsync(group.Key.PartitionKey, row.RowKey, ETag.All, ct); }
                        catch (RequestFailedException ex) when (ex.Status == 404) { }
                    }
                }
            }
        });
    }

    /// <summary>
    /// Relays every campaign whose outbox index names a partition (a relay message was lost in a crash, or its pass
    /// failed for good), and the active campaigns whose minute it is (<see cref="DeliverySweep"/>: each once every
    /// <see cref="EventsOptions.DeliverySweepMinutes"/>), so a delivery whose message was lost goes on without every
    /// sleeping campaign costing a look a minute. Returns the campaigns it relayed.
    /// </summary>
    public async Task<IReadOnlyCollection<(string AccountId, string CampaignId)>> SweepAsync(CancellationToken cancellationToken)
    {
        var work = await index.CampaignsAsync(cancellationToken);
        var now = Now;
        await foreach (var stored in campaigns.ActiveAsync(cancellationToken))
        {
            if (DeliverySweep.IsDue(stored.Campaign.Id, now, options.DeliverySweepMinutes))
                work.Add((stored.AccountId, stored.Campaign.Id));
        }
        foreach (var (account, campaign) in work)
            await RelayAsync(account, campaign, cancellationToken);
        return work;
    }

    [LoggerMessage(EventId = 5022, Level = LogLevel.Warning, Message = "Campaign {CampaignId} has {Count} or more outbox events waiting: relayed in passes, its event order may not hold across them")]
    private partial void LogBacklog(string campaignId, int count);

    [LoggerMessage(EventId = 5024, Level = LogLevel.Debug, Message = "The broker delivery of campaign {CampaignId} failed after its relay pass did: {Reason}")]
    private partial void LogDeliveryAfterFailedPass(string campaignId, string reason);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Debug, Message = "Relayed {Count} event(s) of campaign {CampaignId}")]
    private partial void LogRelayed(int count, string campaignId);
}

/// <summary>No broker configured: events go to webhooks only (replaced by the AMQP publisher when one is registered).</summary>
internal sealed class NoBroker : Integration.ServiceBus.IEventPublisher
{
    public bool Enabled => false;

    public Task PublishAsync(IReadOnlyList<Integration.ServiceBus.OutgoingEvent> events, CancellationToken cancellationToken) => Task.CompletedTask;
}
