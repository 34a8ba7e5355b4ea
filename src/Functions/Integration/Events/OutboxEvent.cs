using System.Text.Json;
using System.Text.Json.Nodes;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Events;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// An integration event as the change that it announces writes it, in the same transaction, into the outbox of that
/// change's partition (<see cref="OutboxRows"/>). <see cref="Data"/> is the event's own payload (JSON object); the relay
/// adds the campaign's id and name and wraps it in a CloudEvent when it appends the event to the campaign's stream.
/// </summary>
internal sealed record OutboxEvent(string Id, string Type, Instant Time, string AccountId, string CampaignId, string Subject, string Data)
{
    public static string NewId(Instant now) => "evt_" + Guid.CreateVersion7(now.ToDateTimeOffset()).ToString("N");

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static OutboxEvent Make(string type, Instant now, string accountId, string campaignId, string subject, object data) =>
        new(NewId(now), type, now, accountId, campaignId, subject, JsonSerializer.Serialize(data, Json));

    /// <summary>A campaign's status changed (or it was created): what it is now, what it was before.</summary>
    public static OutboxEvent ForCampaign(string type, string accountId, Campaign campaign, CampaignStatus? previous, Instant now) =>
        Make(type, now, accountId, campaign.Id, $"campaigns/{campaign.Id}", new CampaignData(
            campaign.Status.ToWire(), previous?.ToWire(), campaign.Slug, campaign.TotalContacts,
            campaign.Schedule is null ? null : InstantText(campaign.Schedule.StartInstant),
            campaign.Schedule is null ? null : InstantText(campaign.Schedule.EndInstant)));

    /// <summary>The dialer committed to calling a contact: attempt <c>attempt</c> of the call <c>call_id</c>.</summary>
    public static OutboxEvent CallStarted(string accountId, AttemptId attempt, Instant now) =>
        Make(EventTypes.CallStarted, now, accountId, attempt.CampaignId, $"calls/{attempt}",
            new CallStartedData(attempt.ToString(), attempt.E164, attempt.Number, InstantText(now)));

    /// <summary>A call's result was recorded: its outcome, disposition and duration.</summary>
    public static OutboxEvent CallCompleted(string accountId, AttemptId attempt, CallOutcome outcome, string? disposition, int? durationSeconds, Instant? startedAt, Instant now) =>
        Make(EventTypes.CallCompleted, now, accountId, attempt.CampaignId, $"calls/{attempt}",
            new CallCompletedData(attempt.ToString(), attempt.E164, attempt.Number, outcome.ToWire(), disposition, durationSeconds,
                startedAt is { } s ? InstantText(s) : null, InstantText(now)));

    /// <summary>A contact needs no more calls: its final disposition and how many attempts it took.</summary>
    public static OutboxEvent ContactResolved(string accountId, string campaignId, string e164, string disposition, int attempts, Instant now) =>
        Make(EventTypes.ContactResolved, now, accountId, campaignId, $"contacts/{e164}",
            new ContactResolvedData(e164, disposition, attempts));

    /// <summary>An upload finished: completed, or failed (some batches failed; retry can redo them).</summary>
    public static OutboxEvent UploadFinished(Upload upload, Instant now) =>
        Make(upload.Derived == UploadStatus.Completed ? EventTypes.UploadCompleted : EventTypes.UploadFailed, now, upload.AccountId, upload.CampaignId,
            $"uploads/{upload.Id}", new UploadData(upload.Id, upload.ListSlug, upload.FileName, upload.Derived,
                upload.Counts.Attempted, upload.Counts.Valid, upload.Counts.Invalid, upload.Counts.Dupes, upload.BatchesFailed, upload.Error));

    public static string InstantText(Instant instant) => NodaTime.Text.InstantPattern.ExtendedIso.Format(instant);

    private sealed record CampaignData(string Status, string? PreviousStatus, string? Slug, int TotalContacts, string? ScheduleStart, string? ScheduleEnd);

    private sealed record CallStartedData(string CallId, string Phone, int Attempt, string StartedAt);

    private sealed record CallCompletedData(string CallId, string Phone, int Attempt, string Outcome, string? Disposition, int? DurationSeconds, string? StartedAt, string EndedAt);

    private sealed record ContactResolvedData(string Phone, string Disposition, int Attempts);

    private sealed record UploadData(string UploadId, string ListSlug, string FileName, string Status, int Attempted, int Valid, int Invalid, int Dupes, int BatchesFailed, string? Error);
}
