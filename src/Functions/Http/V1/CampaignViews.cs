using System.Text.Json;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Scheduling;
using Campaigns.Functions.Storage;
using NodaTime;
using NodaTime.Text;

namespace Campaigns.Functions.Http.V1;

// The JSON shapes of the Campaigns API. Property names become snake_case through the app's JSON options.

public sealed record ScheduleView(string StartTime, string EndTime, string Timezone);

/// <summary>The create reply: exactly the fields of the seed's example response.</summary>
public record CampaignView(
    string Id,
    string Name,
    string Status,
    string ScriptId,
    string Language,
    int TotalContacts,
    int MaxAttempts,
    int RetryIntervalMinutes,
    ScheduleView? Schedule,
    string CreatedAt);

/// <summary><c>GET /v1/campaigns/{id}</c> and list items: the create reply plus live progress counters.</summary>
public sealed record CampaignDetailView(
    string Id,
    string Name,
    string Status,
    string ScriptId,
    string Language,
    int TotalContacts,
    int MaxAttempts,
    int RetryIntervalMinutes,
    ScheduleView? Schedule,
    string CreatedAt,
    int CallsMade,
    int CallsConnected,
    IReadOnlyDictionary<string, int> DispositionSummary,
    string UpdatedAt);

public sealed record PaginationView(int Limit, int Offset, int Returned, bool HasMore, int? NextOffset);

public sealed record CampaignListView(IReadOnlyList<CampaignDetailView> Data, PaginationView Pagination);

public sealed record RemoveContactsView(int Removed, int NotFound, int AlreadyCalled);

/// <summary>
/// A contact as shown. <c>waiting_reason</c>, while it is pending: <c>queued</c> (due, waiting for a free line),
/// <c>retry_pending</c>, <c>outside_legal_hours</c>, <c>before_schedule</c>, <c>campaign_not_started</c>,
/// <c>campaign_paused</c>, <c>campaign_stopped</c>; <c>removed</c> for a removed contact.
/// </summary>
public sealed record ContactView(
    string Phone,
    string Name,
    string? Timezone,
    JsonElement CustomFields,
    string Status,
    int Attempts,
    string? LastOutcome,
    string? LastDisposition,
    string? NextAttemptAt,
    string? WaitingReason,
    IReadOnlyList<CallView> Calls);

/// <summary>One call attempt of a contact: <c>call_id</c> is the id a provider reports the result under.</summary>
public sealed record CallView(string CallId, int Attempt, string StartedAt, string? Outcome, string? Disposition, string? EndedAt, int? DurationSeconds);

public sealed record ContactListView(IReadOnlyList<ContactView> Data, string? NextCursor);

/// <summary>Requests, for the OpenAPI document; the endpoints read bodies themselves to report every wrong field.</summary>
public sealed record CreateCampaignRequest(
    string Name, string ScriptId, string Language, IReadOnlyList<Dictionary<string, JsonElement>> Contacts,
    ScheduleView? Schedule, int? MaxAttempts, int? RetryIntervalMinutes);

public sealed record UpdateCampaignRequest(string Action);

public sealed record RemoveContactsRequest(IReadOnlyList<string> Phones);

internal static class CampaignViews
{
    private static readonly InstantPattern UtcSeconds = InstantPattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss'Z'");
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static string Utc(Instant instant) => UtcSeconds.Format(instant);

    public static CampaignView Created(Campaign c) => new(
        c.Id, c.Name, c.Status.ToWire(), c.ScriptId, c.Language.Value, c.TotalContacts, c.MaxAttempts, c.RetryIntervalMinutes,
        Schedule(c.Schedule), Utc(c.CreatedAt));

    public static CampaignDetailView Detail(Campaign c) => new(
        c.Id, c.Name, c.Status.ToWire(), c.ScriptId, c.Language.Value, c.TotalContacts, c.MaxAttempts, c.RetryIntervalMinutes,
        Schedule(c.Schedule), Utc(c.CreatedAt), c.Counters.CallsMade, c.Counters.CallsConnected, c.Counters.DispositionSummary,
        Utc(c.UpdatedAt));

    public static ContactView Contact(ContactState contact, CampaignStatus campaign, Func<int, string> callId)
    {
        var fields = contact.Spec.CustomFields.Count == 0
            ? EmptyObject
            : JsonDocument.Parse(ContactStore.CustomFieldsJson(contact.Spec.CustomFields)).RootElement.Clone();
        return new ContactView(
            contact.Spec.Phone.E164, contact.Spec.Name, contact.Spec.TimeZone, fields, contact.Status.ToWire(), contact.Attempts,
            contact.LastOutcome, contact.LastDisposition, contact.NextAttemptAt is { } next ? Utc(next) : null, WaitingReason(contact, campaign),
            contact.History.Select(a => new CallView(callId(a.Number), a.Number, Utc(a.StartedAt), a.Outcome, a.Disposition,
                a.EndedAt is { } ended ? Utc(ended) : null, a.DurationSeconds)).ToList());
    }

    private static string? WaitingReason(ContactState contact, CampaignStatus campaign) => contact.Status switch
    {
        ContactStatus.Removed => "removed",
        ContactStatus.Pending => campaign switch
        {
            CampaignStatus.Stopped => "campaign_stopped",
            CampaignStatus.Paused => "campaign_paused",
            CampaignStatus.Scheduled when contact.WaitReason is null => "campaign_not_started",
            CampaignStatus.Completed => null,
            _ => contact.WaitReason ?? "queued",
        },
        _ => null,
    };

    private static ScheduleView? Schedule(CampaignSchedule? s) => s is null
        ? null
        : new ScheduleView(CampaignSchedule.Format(s.Start), CampaignSchedule.Format(s.End), s.Zone.Id);
}
