namespace Campaigns.Domain.Events;

/// <summary>
/// The integration events other systems can subscribe to: the CloudEvents <c>type</c> of each (docs/events.md shows the
/// payload of every one). Names are <c>{subject}.{what happened}</c>, past tense; they never change once published.
/// </summary>
public static class EventTypes
{
    public const string CampaignCreated = "campaign.created";
    public const string CampaignStarted = "campaign.started";
    public const string CampaignPaused = "campaign.paused";
    public const string CampaignResumed = "campaign.resumed";
    public const string CampaignStopped = "campaign.stopped";
    public const string CampaignCompleted = "campaign.completed";
    public const string CallStarted = "call.started";
    public const string CallCompleted = "call.completed";
    public const string ContactResolved = "contact.resolved";
    public const string UploadCompleted = "upload.completed";
    public const string UploadFailed = "upload.failed";

    public static readonly IReadOnlyList<string> All =
    [
        CampaignCreated, CampaignStarted, CampaignPaused, CampaignResumed, CampaignStopped, CampaignCompleted,
        CallStarted, CallCompleted, ContactResolved, UploadCompleted, UploadFailed,
    ];

    public static bool IsKnown(string type) => All.Contains(type, StringComparer.Ordinal);

    /// <summary>
    /// Whether a subscription filter entry matches an event type: the exact type, <c>*</c> (everything), or a subject
    /// wildcard such as <c>call.*</c>.
    /// </summary>
    public static bool Matches(string filter, string type) =>
        filter == "*" || filter == type || (filter.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(filter[..^1], StringComparison.Ordinal));

    /// <summary>Whether a filter entry is one a subscription may use: a known type, <c>*</c>, or <c>{subject}.*</c> of a known subject.</summary>
    public static bool IsValidFilter(string filter) =>
        filter == "*" || IsKnown(filter) || (filter.EndsWith(".*", StringComparison.Ordinal) && All.Any(t => Matches(filter, t)));
}
