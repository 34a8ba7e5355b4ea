using System.Text;
using Campaigns.Domain.Events;
using Campaigns.Domain.Webhooks;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// Delivers campaign streams to the account's webhooks. Each webhook has its own cursor in each stream, so a failing
/// receiver holds back only itself, and only within that campaign: its events wait, in order, while it is retried on
/// <see cref="WebhookBackoff"/>'s schedule (doubling from 30 s, at most an hour apart, for 24 hours). After 24 hours
/// the event is logged as <c>failed</c> and the next one goes. A webhook gets the events that happened after it was
/// made, of the types its filter names; every attempt is in its delivery log with the status code.
/// </summary>
internal sealed partial class WebhookFanOut(
    WebhookStore hooks, WebhookSender sender, WebhookDeliveryLog deliveries, EventStreamStore streams, EventQueue queue,
    EventsOptions options, TimeProvider time, ILogger<WebhookFanOut> log) : IWebhookFanOut
{
    private const int ReadBatch = EventStreamStore.PageEvents; // a page at a time

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public async Task DeliverAsync(string accountId, string campaignId, string? only, CancellationToken cancellationToken)
    {
        IReadOnlyList<Webhook> targets;
        if (only is not null)
            targets = await hooks.GetAsync(accountId, only, cancellationToken) is { } hook ? [hook] : [];
        else
            targets = await hooks.ListAsync(accountId, cancellationToken);
        await Task.WhenAll(targets.Select(hook => DeliverToAsync(hook, campaignId, retry: only is not null, cancellationToken)));
    }

    private async Task DeliverToAsync(Webhook hook, string campaignId, bool retry, CancellationToken cancellationToken)
    {
        var cursor = await streams.ReadCursorAsync(campaignId, hook.Id, cancellationToken);
        var now = Now;
        if (cursor.LeaseUntil is { } held && held > now)
        {
            // Another deliverer is sending to this webhook: it may have read the stream's end before our append.
            await queue.SendAsync(new EventWork("deliver", hook.AccountId, campaignId, Destination: hook.Id), TimeSpan.FromSeconds(2), cancellationToken);
            return;
        }
        if (cursor.NextAttemptAt is { } next && next > now)
        {
            if (retry) // the retry message came early (a queue delay is capped): wait the rest
                await queue.SendAsync(new EventWork("deliver", hook.AccountId, campaignId, Destination: hook.Id), (next - now).ToTimeSpan(), cancellationToken);
            return; // backing off: the retry message comes at that time
        }
        try
        {
            cursor = await streams.WriteCursorAsync(cursor with { LeaseUntil = now + Duration.FromSeconds(options.LeaseSeconds) }, cancellationToken);
            var waiting = false;
            var logged = new List<DeliveryRecord>(); // written with the batch's cursor: before it, so no attempt goes unlogged
            while (!waiting)
            {
                var batch = await streams.ReadAsync(campaignId, cursor.Delivered, ReadBatch, cancellationToken);
                if (batch.Count == 0)
                    break;
                foreach (var e in batch)
                {
                    if (e.Time < hook.CreatedAt || !hook.Events.Any(filter => EventTypes.Matches(filter, e.Type)))
                    {
                        cursor = cursor with { Delivered = e.Sequence };
                        continue;
                    }
                    var at = Now;
                    var attempt = cursor.FailedAttempts + 1;
                    var sent = await sender.SendAsync(hook, e.Id, e.Type, Encoding.UTF8.GetBytes(e.Body), at, cancellationToken);
                    if (sent.Delivered)
                    {
                        logged.Add(new DeliveryRecord(e.Id, e.Type, campaignId, attempt, sent.StatusCode, DeliveryOutcomes.Delivered, null, sent.DurationMs, at, null));
                        cursor = cursor with { Delivered = e.Sequence, FailedAttempts = 0, FirstFailedAt = null, NextAttemptAt = null };
                        continue;
                    }
                    var firstFailed = cursor.FirstFailedAt ?? at;
                    if (WebhookBackoff.NextAttemptAt(attempt, firstFailed, at) is not { } retryAt)
                    {
                        LogGaveUp(hook.Id, e.Id, attempt);
                        logged.Add(new DeliveryRecord(e.Id, e.Type, campaignId, attempt, sent.StatusCode, DeliveryOutcomes.Failed, sent.Error, sent.DurationMs, at, null));
                        cursor = cursor with { Delivered = e.Sequence, FailedAttempts = 0, FirstFailedAt = null, NextAttemptAt = null };
                        continue;
                    }
                    logged.Add(new DeliveryRecord(e.Id, e.Type, campaignId, attempt, sent.StatusCode, DeliveryOutcomes.Retrying, sent.Error, sent.DurationMs, at, retryAt));
                    await deliveries.RecordAllAsync(hook.AccountId, hook.Id, logged, cancellationToken);
                    logged.Clear();
                    // The retry message first: if we die after it, it still comes; if we die before it, this message is retried.
                    await queue.SendAsync(new EventWork("deliver", hook.AccountId, campaignId, Destination: hook.Id), (retryAt - at).ToTimeSpan(), cancellationToken);
                    cursor = cursor with { FailedAttempts = attempt, FirstFailedAt = firstFailed, NextAttemptAt = retryAt };
                    waiting = true;
                    break;
                }
                await deliveries.RecordAllAsync(hook.AccountId, hook.Id, logged, cancellationToken);
                logged.Clear();
                cursor = await streams.WriteCursorAsync(cursor, cancellationToken); // progress kept batch by batch
            }
            await streams.WriteCursorAsync(cursor with { LeaseUntil = null }, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            // Another deliverer took over (our lease had expired): it sends from where the cursor says.
        }
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Warning, Message = "Webhook {WebhookId} gave up on event {EventId} after {Attempts} attempt(s) over 24 hours")]
    private partial void LogGaveUp(string webhookId, string eventId, int attempts);
}
