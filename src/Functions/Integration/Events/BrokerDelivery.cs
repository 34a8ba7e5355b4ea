using Campaigns.Functions.Integration.ServiceBus;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// Sends campaign streams to the broker (Service Bus topic): one cursor per stream, in order, in batches pipelined on
/// one link. While the broker refuses or is down, the stream waits (doubling back-off, at most
/// <see cref="EventsOptions.BrokerRetryMaxSeconds"/>) and is retried for ever; nothing is skipped. A redelivered event
/// keeps its id and its bytes (the stream holds them).
/// </summary>
internal sealed partial class BrokerDelivery(
    EventStreamStore streams, EventQueue queue, IEventPublisher broker, EventsOptions options, RelayMetrics metrics, TimeProvider time, ILogger<BrokerDelivery> log)
{
    public const string Destination = "bus";

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public bool Enabled => broker.Enabled;

    /// <summary>
    /// Sends the broker what it has not had of a stream. <paramref name="retry"/> is set for the back-off's own message,
    /// which may send before the recorded retry time (queue delays are whole seconds). <paramref name="appended"/> are the
    /// events the calling relay pass has just appended, sent from memory when the cursor reaches them.
    /// </summary>
    public async Task DeliverAsync(string accountId, string campaignId, bool retry, CancellationToken cancellationToken, AppendedEvents? appended = null)
    {
        if (!broker.Enabled)
            return;
        var cursor = await streams.ReadCursorAsync(campaignId, Destination, cancellationToken);
        var now = Now;
        if (cursor.LeaseUntil is { } held && held > now)
        {
            // Another deliverer is sending: it may have read the stream's end before our append, so look again soon.
            await queue.ScheduleAsync(new EventWork("deliver", accountId, campaignId, Destination), TimeSpan.FromSeconds(2), cancellationToken);
            return;
        }
        if (!retry && cursor.NextAttemptAt is { } next && next > now)
            return; // backing off: the retry message comes at that time
        try
        {
            cursor = await streams.WriteCursorAsync(cursor with { LeaseUntil = now + Duration.FromSeconds(options.LeaseSeconds) }, cancellationToken);
            appended ??= AppendedEvents.None;
            // Each batch's cursor write goes on while the next batch is read and sent: the cursor only ever records
            // what the broker has accepted, and its writes follow each other under its ETag. A crash (or a failed
            // write) leaves it behind what was sent: those events go again, with the same ids.
            var delivered = cursor.Delivered;
            Task<StreamCursor>? writing = null;
            try
            {
                while (!appended.EndsAt(delivered))
                {
                    var reading = System.Diagnostics.Stopwatch.GetTimestamp();
                    var batch = await streams.ReadAsync(campaignId, delivered, options.BrokerBatch, appended, cancellationToken);
                    RelayMetrics.Since(ref metrics.BrokerReadTicks, reading);
                    if (batch.Count == 0)
                        break;
                    var outgoing = batch.Select(e => new OutgoingEvent(e.Id, e.Type, e.CampaignId, e.AccountId, e.Utf8Body)).ToList();
                    try
                    {
                        var sending = System.Diagnostics.Stopwatch.GetTimestamp();
                        await broker.PublishAsync(outgoing, cancellationToken);
                        RelayMetrics.Since(ref metrics.BrokerSendTicks, sending);
                        delivered = batch[^1].Sequence;
                        appended.Sent(delivered);
                        var writingSince = System.Diagnostics.Stopwatch.GetTimestamp();
                        cursor = writing is null ? cursor : await writing;
                        RelayMetrics.Since(ref metrics.BrokerCursorTicks, writingSince);
                        writing = streams.WriteCursorAsync(cursor with { Delivered = delivered, FailedAttempts = 0, FirstFailedAt = null, NextAttemptAt = null }, cancellationToken);
                    }
                    catch (EventPublishException ex)
                    {
                        if (writing is not null)
                            (cursor, writing) = (await writing, null);
                        var failed = cursor.FailedAttempts + 1;
                        var wait = Duration.FromSeconds(Math.Min(options.BrokerRetryMaxSeconds, Math.Pow(2, Math.Min(failed - 1, 20))));
                        LogBrokerFailed(campaignId, ex.AcceptedPrefix, failed, wait.TotalSeconds, ex.Message);
                        // The retry message first: if we die after it, it still comes; if we die before it, this message is retried.
                        await queue.ScheduleAsync(new EventWork("deliver", accountId, campaignId, Destination), wait.ToTimeSpan(), cancellationToken);
                        cursor = await streams.WriteCursorAsync(cursor with
                        {
                            Delivered = ex.AcceptedPrefix > 0 ? batch[ex.AcceptedPrefix - 1].Sequence : cursor.Delivered,
                            FailedAttempts = failed, FirstFailedAt = cursor.FirstFailedAt ?? now, NextAttemptAt = Now + wait,
                        }, cancellationToken);
                        break;
                    }
                }
                if (writing is not null)
                    (cursor, writing) = (await writing, null);
            }
            finally
            {
                // Left in flight only when something else failed: that failure is the one reported.
                writing?.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
            await streams.WriteCursorAsync(cursor with { LeaseUntil = null }, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            // Another deliverer took over (our lease had expired): it sends from where the cursor says.
        }
    }

    [LoggerMessage(EventId = 5021, Level = LogLevel.Warning, Message = "The broker took {Accepted} event(s) of campaign {CampaignId} then failed (attempt {Attempt}); retrying in {Seconds} s: {Reason}")]
    private partial void LogBrokerFailed(string campaignId, int accepted, int attempt, double seconds, string reason);
}
