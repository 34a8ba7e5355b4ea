using Campaigns.Domain.Campaigns;

namespace Campaigns.Domain.Dialer;

/// <summary>The answers of <c>GET /api/v/campaign/{slug}/status/</c>, exactly as the seed names them.</summary>
public enum SchedulerStatus
{
    /// <summary>Active and has prospects being called now.</summary>
    Running,
    /// <summary>Active, with unresolved prospects, but no call in progress.</summary>
    Stopped,
    /// <summary>Every prospect is resolved.</summary>
    Completed,
    /// <summary>Not active.</summary>
    Inactive,
}

/// <summary>
/// The seed's status table as one pure function. "Not active" is checked first: <c>active</c> false, or a campaign
/// stopped for good (the /v1 <c>stop</c> action), is <c>Inactive</c> whatever its prospects. Then "all resolved"
/// (a campaign without prospects has none unresolved, so it is <c>Completed</c>), then calls in progress.
/// A paused campaign that is active is <c>Stopped</c> (unresolved prospects, no call in progress) once its calls end.
/// </summary>
public static class SchedulerStatuses
{
    public static SchedulerStatus Of(Campaign campaign, int unresolved, int callsInProgress)
    {
        if (campaign.Dialer is { Active: false } || campaign.Status == CampaignStatus.Stopped)
            return SchedulerStatus.Inactive;
        if (unresolved <= 0)
            return SchedulerStatus.Completed;
        return callsInProgress > 0 ? SchedulerStatus.Running : SchedulerStatus.Stopped;
    }
}
