using Campaigns.Domain.Campaigns;

namespace Campaigns.Domain.Events;

/// <summary>
/// Which integration event a change of a campaign announces: the rule is one table, like the transitions it follows.
/// A change that is not a status change (settings, engine bookkeeping) announces nothing.
/// </summary>
public static class CampaignEvents
{
    private static readonly Dictionary<(CampaignStatus From, CampaignStatus To), string> Table = new()
    {
        [(CampaignStatus.Scheduled, CampaignStatus.Running)] = EventTypes.CampaignStarted,
        [(CampaignStatus.Running, CampaignStatus.Paused)] = EventTypes.CampaignPaused,
        [(CampaignStatus.Paused, CampaignStatus.Running)] = EventTypes.CampaignResumed,
        [(CampaignStatus.Scheduled, CampaignStatus.Stopped)] = EventTypes.CampaignStopped,
        [(CampaignStatus.Running, CampaignStatus.Stopped)] = EventTypes.CampaignStopped,
        [(CampaignStatus.Paused, CampaignStatus.Stopped)] = EventTypes.CampaignStopped,
        [(CampaignStatus.Scheduled, CampaignStatus.Completed)] = EventTypes.CampaignCompleted,
        [(CampaignStatus.Running, CampaignStatus.Completed)] = EventTypes.CampaignCompleted,
        [(CampaignStatus.Paused, CampaignStatus.Completed)] = EventTypes.CampaignCompleted,
    };

    /// <summary>The event a status change announces, or null when the status did not change.</summary>
    public static string? ForTransition(CampaignStatus from, CampaignStatus to) =>
        from == to ? null
        : Table.TryGetValue((from, to), out var type) ? type
        : throw new InvalidOperationException($"No event is defined for a campaign going from {from} to {to}");

    /// <summary>
    /// The events a new campaign announces: <c>campaign.created</c>, then <c>campaign.started</c> when it is created
    /// running (a list-fed campaign made active), or <c>campaign.paused</c> when it is created paused.
    /// </summary>
    public static IReadOnlyList<string> ForCreation(CampaignStatus initial) => initial switch
    {
        CampaignStatus.Running => [EventTypes.CampaignCreated, EventTypes.CampaignStarted],
        CampaignStatus.Paused => [EventTypes.CampaignCreated, EventTypes.CampaignPaused],
        _ => [EventTypes.CampaignCreated],
    };

    /// <summary>
    /// Where an event sorts among events of the same instant in one campaign (a frozen test clock, or two writes in one
    /// tick): what opens a campaign first, then calls in their order, then what closes it. Different instants sort by time.
    /// </summary>
    public static int Rank(string type) => type switch
    {
        EventTypes.CampaignCreated => 0,
        EventTypes.CampaignStarted or EventTypes.CampaignResumed => 1,
        EventTypes.UploadCompleted or EventTypes.UploadFailed => 2,
        EventTypes.CallStarted => 3,
        EventTypes.CallCompleted => 4,
        EventTypes.ContactResolved => 5,
        EventTypes.CampaignPaused => 6,
        EventTypes.CampaignStopped => 7,
        EventTypes.CampaignCompleted => 8,
        _ => 9,
    };
}
