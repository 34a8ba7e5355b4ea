using NodaTime;

namespace Campaigns.Domain.Retention;

/// <summary>How long each kind of history is kept once nothing needs it any more (README, "Retention").</summary>
/// <param name="Events">A finished campaign's event stream, counted from its last appended event.</param>
/// <param name="WebhookDeliveries">A delivery-log row, counted from the newest attempt it holds.</param>
/// <param name="UploadFiles">A finished upload's CSV and batch files, counted from when it finished.</param>
/// <param name="DeletedCampaigns">What a deleted campaign leaves (its stream, its agent pool), counted from the deletion
/// or its last event, whichever is later.</param>
public sealed record RetentionPeriods(Duration Events, Duration WebhookDeliveries, Duration UploadFiles, Duration DeletedCampaigns)
{
    /// <summary>The production defaults: 30, 30, 7 and 7 days.</summary>
    public static readonly RetentionPeriods Default = new(Duration.FromDays(30), Duration.FromDays(30), Duration.FromDays(7), Duration.FromDays(7));
}

/// <summary>What to do with one thing the retention index names.</summary>
public abstract record RetentionDecision
{
    private RetentionDecision()
    {
    }

    /// <summary>It has expired and nothing needs it: delete it, then drop it from the index.</summary>
    public sealed record Delete : RetentionDecision;

    /// <summary>Not yet: look again at <paramref name="At"/>.</summary>
    public sealed record LookAgain(Instant At, string Why) : RetentionDecision;

    /// <summary>Nothing to do, now or later: drop it from the index (what would bring it back notes it again).</summary>
    public sealed record Forget(string Why) : RetentionDecision;
}

/// <summary>Where a campaign is, for its stream's retention.</summary>
public enum CampaignLife
{
    /// <summary>Scheduled, running or paused: more events may come at any time.</summary>
    Active,

    /// <summary>Completed or stopped (final states).</summary>
    Ended,

    /// <summary>Deleted: its row is gone; its stream and agent pool are leftovers.</summary>
    Deleted,
}

/// <summary>
/// One destination of a stream and how far it has got. <paramref name="Since"/> is when a webhook was created (null for
/// the broker): a webhook gets only events that happened after it was made, so one created after the stream's last
/// event wants none of it.
/// </summary>
public sealed record DestinationPosition(string Name, long Delivered, Instant? Since = null);

/// <summary>What the rules need to know about a campaign's event stream.</summary>
/// <param name="LastSequence">The last event's sequence number (0: no stream).</param>
/// <param name="LastAppendedAt">When the last event was appended (null: no stream).</param>
/// <param name="DeletedAt">When the campaign's deletion was noted (for <see cref="CampaignLife.Deleted"/>).</param>
/// <param name="Destinations">Every destination that still delivers: the broker when one is configured, the account's
/// webhooks (a destination without a cursor is at 0). Cursors of deleted webhooks are not destinations.</param>
/// <param name="OutboxPending">The campaign's outbox index names partitions: events are on their way to the stream.</param>
public sealed record StreamFacts(
    CampaignLife Life, long LastSequence, Instant? LastAppendedAt, Instant? DeletedAt, IReadOnlyList<DestinationPosition> Destinations, bool OutboxPending);

/// <summary>Where an upload is, for its files' retention.</summary>
public enum UploadLife
{
    /// <summary>Its summary row is gone: nothing can read the files.</summary>
    Gone,

    /// <summary>Pending or processing (a failed upload being retried is pending again): the split or a batch needs the files.</summary>
    InProgress,

    /// <summary>Completed or failed. A failed upload can be retried while its files are kept.</summary>
    Finished,
}

/// <summary>
/// The retention rules, pure functions of the facts and <c>now</c>. Nothing still needed is deleted:
/// <list type="bullet">
/// <item>A campaign's event stream stays while the campaign is active; once it ended, until <see cref="RetentionPeriods.Events"/>
///   after its last event; once deleted, until <see cref="RetentionPeriods.DeletedCampaigns"/> after the deletion or its
///   last event. In every case it stays while events are still in its outbox or any destination (the broker, a webhook
///   that wants them) has not had them all: a webhook gives up on an event after 24 hours and moves on, the broker is
///   retried for ever, so a stream waits for a broker outage to end.</item>
/// <item>A finished upload's files go <see cref="RetentionPeriods.UploadFiles"/> after it finished; an upload still
///   pending or processing keeps them.</item>
/// <item>A webhook's delivery-log rows go once their newest attempt is <see cref="RetentionPeriods.WebhookDeliveries"/> old;
///   the webhook is looked at again daily while it exists or rows remain.</item>
/// </list>
/// Whatever is kept is looked at again when it could next expire, and at most <see cref="Recheck"/> later when it waits
/// for something else (a destination, an upload).
/// </summary>
public static class RetentionRules
{
    /// <summary>How long to wait before looking again at something kept for a reason other than its age.</summary>
    public static readonly Duration Recheck = Duration.FromDays(1);

    /// <summary>
    /// A webhook made this long after the stream's last append wants none of its events, even with clocks a little apart
    /// (an event's time is its writer's clock, the append time the relay's).
    /// </summary>
    public static readonly Duration ClockSlack = Duration.FromMinutes(1);

    public static RetentionDecision ForStream(StreamFacts facts, Instant now, RetentionPeriods periods)
    {
        if (facts.Life == CampaignLife.Active)
            return new RetentionDecision.Forget("the campaign is active: its end is noted again when it comes");
        if (facts.OutboxPending)
            return new RetentionDecision.LookAgain(now + Recheck, "events are still on their way from the outbox");
        if (facts.LastAppendedAt is not { } last || facts.LastSequence <= 0)
        {
            return facts.Life == CampaignLife.Deleted
                ? new RetentionDecision.Delete() // no stream; the agent pool may be left
                : new RetentionDecision.Forget("the campaign has no event stream");
        }
        var expires = facts.Life == CampaignLife.Ended
            ? last + periods.Events
            : Max(last, facts.DeletedAt ?? last) + periods.DeletedCampaigns;
        if (now < expires)
            return new RetentionDecision.LookAgain(expires, "not old enough yet");
        if (Behind(facts, last) is { } behind)
            return new RetentionDecision.LookAgain(now + Recheck, $"{behind.Name} has had events up to {behind.Delivered} of {facts.LastSequence}");
        return new RetentionDecision.Delete();
    }

    /// <summary>The first destination that still wants events of the stream, if any.</summary>
    public static DestinationPosition? Behind(StreamFacts facts, Instant lastAppendedAt) =>
        facts.Destinations.FirstOrDefault(d => d.Delivered < facts.LastSequence && (d.Since is not { } since || since <= lastAppendedAt + ClockSlack));

    public static RetentionDecision ForUpload(UploadLife life, Instant? finishedAt, Instant notedAt, Instant now, RetentionPeriods periods)
    {
        switch (life)
        {
            case UploadLife.Gone:
                return new RetentionDecision.Delete();
            case UploadLife.InProgress:
                return new RetentionDecision.LookAgain(now + Recheck, "the upload is pending or processing");
            default:
                var expires = (finishedAt ?? notedAt) + periods.UploadFiles;
                return now < expires ? new RetentionDecision.LookAgain(expires, "not old enough yet") : new RetentionDecision.Delete();
        }
    }

    /// <summary>Delivery-log rows whose newest attempt is at or before this instant have expired.</summary>
    public static Instant WebhookDeliveriesCutoff(Instant now, RetentionPeriods periods) => now - periods.WebhookDeliveries;

    /// <summary>
    /// After a webhook's log was trimmed: look again tomorrow while the webhook exists (its log keeps growing) or rows
    /// remain (they expire later); forget a deleted webhook whose log is empty. A trim cut short by the run's budget
    /// continues at the next run.
    /// </summary>
    public static RetentionDecision AfterWebhookTrim(bool webhookExists, bool rowsLeft, bool trimComplete, Instant now)
    {
        if (!trimComplete)
            return new RetentionDecision.LookAgain(now, "the run's budget ran out");
        if (webhookExists)
            return new RetentionDecision.LookAgain(now + Recheck, "the webhook exists");
        return rowsLeft
            ? new RetentionDecision.LookAgain(now + Recheck, "the deleted webhook's newest rows have not expired")
            : new RetentionDecision.Forget("the deleted webhook's log is empty");
    }

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;
}
