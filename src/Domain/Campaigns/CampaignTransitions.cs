namespace Campaigns.Domain.Campaigns;

/// <summary>
/// Every legal status change of a campaign, in one table. Anything not listed is illegal and raises
/// <see cref="IllegalTransitionException"/>; nothing is ever a silent no-op.
/// </summary>
/// <remarks>
/// Decisions written down here:
/// <list type="bullet">
/// <item><c>stop</c> is accepted from every non-final status, including <c>scheduled</c> (cancel before it starts).</item>
/// <item><c>pause</c> applies to a running campaign only; <c>resume</c> to a paused one only.</item>
/// <item>Repeating an action (pausing a paused campaign) is illegal too: the 409 names the current status,
/// which tells a retrying client that its first request took effect.</item>
/// <item><c>Finished</c> may end a paused campaign: its schedule can end while it is paused.</item>
/// </list>
/// </remarks>
public static class CampaignTransitions
{
    private static readonly Dictionary<(CampaignStatus From, CampaignTrigger Trigger), CampaignStatus> Table = new()
    {
        [(CampaignStatus.Scheduled, CampaignTrigger.Start)] = CampaignStatus.Running,
        [(CampaignStatus.Scheduled, CampaignTrigger.ScheduleStarted)] = CampaignStatus.Running,
        [(CampaignStatus.Scheduled, CampaignTrigger.Stop)] = CampaignStatus.Stopped,
        [(CampaignStatus.Scheduled, CampaignTrigger.Finished)] = CampaignStatus.Completed,

        [(CampaignStatus.Running, CampaignTrigger.Pause)] = CampaignStatus.Paused,
        [(CampaignStatus.Running, CampaignTrigger.Stop)] = CampaignStatus.Stopped,
        [(CampaignStatus.Running, CampaignTrigger.Finished)] = CampaignStatus.Completed,

        [(CampaignStatus.Paused, CampaignTrigger.Resume)] = CampaignStatus.Running,
        [(CampaignStatus.Paused, CampaignTrigger.Stop)] = CampaignStatus.Stopped,
        [(CampaignStatus.Paused, CampaignTrigger.Finished)] = CampaignStatus.Completed,
    };

    /// <summary>All legal (from, trigger, to) rows, for documentation and exhaustive tests.</summary>
    public static IEnumerable<(CampaignStatus From, CampaignTrigger Trigger, CampaignStatus To)> Rows =>
        Table.Select(row => (row.Key.From, row.Key.Trigger, row.Value));

    public static bool IsFinal(CampaignStatus status) => status is CampaignStatus.Completed or CampaignStatus.Stopped;

    public static bool TryApply(CampaignStatus from, CampaignTrigger trigger, out CampaignStatus to) =>
        Table.TryGetValue((from, trigger), out to);

    public static CampaignStatus Apply(CampaignStatus from, CampaignTrigger trigger) =>
        TryApply(from, trigger, out var to) ? to : throw new IllegalTransitionException(from, trigger);
}

/// <summary>An action that the current status does not allow; the API answers 409 with this message.</summary>
public sealed class IllegalTransitionException : Exception
{
    public IllegalTransitionException(CampaignStatus current, CampaignTrigger trigger, string? reason = null)
        : base(reason ?? DefaultMessage(current, trigger))
    {
        Current = current;
        Trigger = trigger;
    }

    public CampaignStatus Current { get; }
    public CampaignTrigger Trigger { get; }

    private static string DefaultMessage(CampaignStatus current, CampaignTrigger trigger) => current switch
    {
        CampaignStatus.Stopped => $"Cannot {trigger.ToWire()} a campaign that is stopped: stop is irreversible.",
        CampaignStatus.Completed => $"Cannot {trigger.ToWire()} a campaign that is completed.",
        _ => $"Cannot {trigger.ToWire()} a campaign that is {current.ToWire()}.",
    };
}
