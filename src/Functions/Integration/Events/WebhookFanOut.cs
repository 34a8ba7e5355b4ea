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
/// made, of the types its filter names, one a request or, with a batch size above 1, up to that many a request as a
/// JSON array; every attempt is in its delivery log with the status code, once per event it carried.
/// </summary>
internal sealed partial class WebhookFanOut(
    WebhookStore hooks, WebhookSender sender, WebhookDeliveryLog deliveries, EventStreamStore streams, EventQueue queue,
    EventsOptions options, Hosting.CampaignTelemetry telemetry, TimeProvider time, ILogger<WebhookFanOut> log) : IWebhookFanOut
{
    private const int ReadBatch = EventStreamStore.PageEvents; // a page at a time

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public Task<IReadOnlyList<Webhook>> ListAsync(string accountId, CancellationToken cancellationToken) => hooks.ListAsync(accountId, cancellationToken);

    public async Task DeliverAsync(string accountId, string campaignId, string? only, CancellationToken cancellationToken, AppendedEvents? appended = null,
        IReadOnlyList<Webhook>? targets = null)
    {
        if (only is not null)
            targets = await hooks.GetAsync(accountId, only, cancellationToken) is { } hook ? [hook] : [];
        else
            targets ??= await hooks.ListAsync(accountId, cancellationToken);
        await Task.WhenAll(targets.Select(hook => DeliverToAsync(hook, campaignId, retry: only is not null, appended ?? AppendedEvents.None, cancellationToken)));
    }

    private async Task DeliverToAsync(Webhook hook, string campaignId, bool retry, AppendedEvents appended, CancellationToken cancellationToken)
    {
        var cursor = await streams.ReadCursorAsync(campaignId, hook.Id, cancellationToken);
        var now = Now;
        if (cursor.LeaseUntil is { } held && held > now)
        {
            // Another deliverer is sending to this webhook: it may have read the stream's end before our append.
            await queue.ScheduleAsync(new EventWork("deliver", hook.AccountId, campaignId, Destination: hook.Id), TimeSpan.FromSeconds(2), cancellationToken);
            return;
        }
        if (cursor.NextAttemptAt is { } next && next > now)
        {
            if (retry) // the retry message came early (a queue delay is capped): wait the rest
                await queue.ScheduleAsync(new EventWork("deliver", hook.AccountId, campaignId, Destination: hook.Id), (next - now).ToTimeSpan(), cancellationToken);
            return; // backing off: the retry message comes at that time
        }
        try
        {
            cursor = await streams.WriteCursorAsync(cursor with { LeaseUntil = now + Duration.FromSeconds(options.LeaseSeconds) }, cancellationToken);
            var waiting = false;
            var logged = new List<DeliveryRecord>(); // written before the cursor moves past them, so no attempt goes unlogged
            while (!waiting && !appended.EndsAt(cursor.Delivered))
            {
                var batch = await streams.ReadAsync(campaignId, cursor.Delivered, ReadBatch, appended, cancellationToken);
                if (batch.Count == 0)
                    break;
                // Units of at most BatchSize events the webhook wants; events it does not want are passed over (the
                // cursor moves past them with the unit that follows them, or at once when no unit is open).
                var unit = new List<StreamEvent>();
                var unitEnd = cursor.Delivered;
                foreach (var e in batch)
                {
                    if (e.Time < hook.CreatedAt || !hook.Events.Any(filter => EventTypes.Matches(filter, e.Type)))
                    {
                        if (unit.Count == 0)
                            cursor = cursor with { Delivered = e.Sequence };
                        else
                            unitEnd = e.Sequence;
                        continue;
                    }
                    unit.Add(e);
                    unitEnd = e.Sequence;
                    if (unit.Count < hook.BatchSize)
                        continue;
                    (cursor, waiting) = await SendUnitAsync(hook, campaignId, unit, unitEnd, cursor, logged, cancellationToken);
                    unit.Clear();
                    if (waiting)
                        break;
                }
                if (!waiting && unit.Count > 0)
                    (cursor, waiting) = await SendUnitAsync(hook, campaignId, unit, unitEnd, cursor, logged, cancellationToken);
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

    /// <summary>
    /// Sends one unit (one event, or a batch as a JSON array) and says where the cursor is now and whether the webhook
    /// must now wait for a retry. A failed unit is retried whole on the back-off schedule; after 24 hours it is given up
    /// and the cursor moves past it. Every event of the unit gets its attempt in <paramref name="logged"/>.
    /// </summary>
    private async Task<(StreamCursor Cursor, bool Waiting)> SendUnitAsync(
        Webhook hook, string campaignId, List<StreamEvent> unit, long unitEnd, StreamCursor cursor, List<DeliveryRecord> logged, CancellationToken cancellationToken)
    {
        var at = Now;
        var attempt = cursor.FailedAttempts + 1;
        var sent = hook.BatchSize == 1
            ? await sender.SendAsync(hook, unit[0].Id, unit[0].Type, unit[0].Utf8Body, at, cancellationToken)
            : await sender.SendBatchAsync(hook, unit[0].Id, unit.Count, JsonArray(unit), at, cancellationToken);
        void Log(string outcome, string? error, Instant? next) =>
            logged.AddRange(unit.Select(e => new DeliveryRecord(e.Id, e.Type, campaignId, attempt, sent.StatusCode, outcome, error, sent.DurationMs, at, next)));
        if (sent.Delivered)
        {
            Log(DeliveryOutcomes.Delivered, null, null);
            return (cursor with { Delivered = unitEnd, FailedAttempts = 0, FirstFailedAt = null, NextAttemptAt = null }, false);
        }
        var firstFailed = cursor.FirstFailedAt ?? at;
        var retryAt = WebhookBackoff.NextAttemptAt(attempt, firstFailed, at);
        telemetry.WebhookFailed(gaveUp: retryAt is null);
        if (retryAt is null)
        {
            LogGaveUp(hook.Id, unit[0].Id, attempt);
            Log(DeliveryOutcomes.Failed, sent.Error, null);
            return (cursor with { Delivered = unitEnd, FailedAttempts = 0, FirstFailedAt = null, NextAttemptAt = null }, false);
        }
        Log(DeliveryOutcomes.Retrying, sent.Error, retryAt.Value);
        await deliveries.RecordAllAsync(hook.AccountId, hook.Id, logged, cancellationToken);
        logged.Clear();
        // The retry message first: if we die after it, it still comes; if we die before it, this message is retried.
        await queue.ScheduleAsync(new EventWork("deliver", hook.AccountId, campaignId, Destination: hook.Id), (retryAt.Value - at).ToTimeSpan(), cancellationToken);
        return (cursor with { FailedAttempts = attempt, FirstFailedAt = firstFailed, NextAttemptAt = retryAt.Value }, true);
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Warning, Message = "Webhook {WebhookId} gave up on event {EventId} after {Attempts} attempt(s) over 24 hours")]
    private partial void LogGaveUp(string webhookId, string eventId, int attempts);

    /// <summary>The unit's CloudEvents as one JSON array, their bytes as stored.</summary>
    private static byte[] JsonArray(List<StreamEvent> unit)
    {
        var array = new byte[unit.Sum(e => e.Utf8Body.Length + 1) + 1];
        var at = 0;
        for (var i = 0; i < unit.Count; i++)
        {
            array[at] = (byte)(i == 0 ? '[' : ',');
            unit[i].Utf8Body.CopyTo(array, at + 1);
            at += 1 + unit[i].Utf8Body.Length;
        }
        array[at] = (byte)']';
        return array;
    }
}
