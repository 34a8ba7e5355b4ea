namespace Campaigns.Domain.Campaigns;

/// <summary>The lifecycle of a campaign, as the Campaigns API names it.</summary>
public enum CampaignStatus
{
    /// <summary>Created; waits for its schedule's start, or for the <c>start</c> action when it has no schedule.</summary>
    Scheduled,
    /// <summary>Dialing contacts inside its windows.</summary>
    Running,
    /// <summary>No new dials; calls in progress finish and are recorded.</summary>
    Paused,
    /// <summary>Every contact is resolved, or the schedule has ended. Final.</summary>
    Completed,
    /// <summary>Stopped by the operator; pending contacts are never dialed. Final and irreversible.</summary>
    Stopped,
}

/// <summary>What can change a campaign's status: the operator's actions and the engine's own events.</summary>
public enum CampaignTrigger
{
    /// <summary>Operator action <c>start</c>: begin dialing a campaign that has no schedule.</summary>
    Start,
    /// <summary>Operator action <c>pause</c>.</summary>
    Pause,
    /// <summary>Operator action <c>resume</c>.</summary>
    Resume,
    /// <summary>Operator action <c>stop</c> (irreversible).</summary>
    Stop,
    /// <summary>Engine: the schedule's <c>start_time</c> has come.</summary>
    ScheduleStarted,
    /// <summary>Engine: every contact is resolved, or the schedule's <c>end_time</c> has passed.</summary>
    Finished,
}

public static class CampaignStatusNames
{
    public static string ToWire(this CampaignStatus status) => status switch
    {
        CampaignStatus.Scheduled => "scheduled",
        CampaignStatus.Running => "running",
        CampaignStatus.Paused => "paused",
        CampaignStatus.Completed => "completed",
        CampaignStatus.Stopped => "stopped",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string? text, out CampaignStatus status)
    {
        foreach (var candidate in Enum.GetValues<CampaignStatus>())
        {
            if (string.Equals(candidate.ToWire(), text, StringComparison.Ordinal))
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }

    public static string ToWire(this CampaignTrigger trigger) => trigger switch
    {
        CampaignTrigger.Start => "start",
        CampaignTrigger.Pause => "pause",
        CampaignTrigger.Resume => "resume",
        CampaignTrigger.Stop => "stop",
        CampaignTrigger.ScheduleStarted => "schedule_started",
        CampaignTrigger.Finished => "finished",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, null),
    };

    /// <summary>The triggers an operator may send as <c>action</c> in <c>PATCH /v1/campaigns/{id}</c>.</summary>
    public static bool TryParseAction(string? text, out CampaignTrigger action)
    {
        action = text switch
        {
            "start" => CampaignTrigger.Start,
            "pause" => CampaignTrigger.Pause,
            "resume" => CampaignTrigger.Resume,
            "stop" => CampaignTrigger.Stop,
            _ => (CampaignTrigger)(-1),
        };
        return (int)action >= 0;
    }
}
