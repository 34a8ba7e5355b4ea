using NodaTime;
using NodaTime.Text;

namespace Campaigns.Domain.Dialer;

/// <summary>
/// The dialer settings of one campaign: every field of the Campaign Scheduler API's "Key Fields" table, with the
/// table's defaults. Immutable; a valid instance comes from <see cref="DialerSettingsRules"/> (POST, PUT, PATCH),
/// which checks every range documented on <see cref="DialerSettingsRules"/>. Property comments give the wire name.
/// </summary>
public sealed record DialerSettings
{
    /// <summary><c>name</c>: the campaign's display name, 1 to 255 characters (code points), not blank. Required.</summary>
    public required string Name { get; init; }

    /// <summary><c>agent_id</c>: the voice agent that takes this campaign's calls; null until assigned.</summary>
    public string? AgentId { get; init; }

    /// <summary><c>workspace</c>: the workspace the campaign belongs to, or null.</summary>
    public string? Workspace { get; init; }

    /// <summary><c>email</c>: the owner's email address, or null. Kept as given (not lower-cased).</summary>
    public string? Email { get; init; }

    /// <summary><c>locale_name</c>: the region dialed, see <see cref="DialerLocale"/>. Default <c>USCA</c>.</summary>
    public string LocaleName { get; init; } = DialerLocale.Usca.Name;

    /// <summary><c>active</c>: whether the campaign is active. Default true.</summary>
    public bool Active { get; init; } = true;

    /// <summary><c>call_ratio</c>: outgoing calls per free agent slot, 0 to 10. Default 1.0.</summary>
    public double CallRatio { get; init; } = 1.0;

    /// <summary><c>dialer_interval</c>: seconds between dialer ticks, 2 to 15. Default 10.</summary>
    public int DialerIntervalSeconds { get; init; } = 10;

    /// <summary><c>max_active_calls</c>: cap on concurrent calls; 0 means no cap beyond agent capacity. Default 0.</summary>
    public int MaxActiveCalls { get; init; }

    /// <summary><c>max_number_calls</c>: call attempts per prospect, 1 to 100. Default 10.</summary>
    public int MaxNumberCalls { get; init; } = 10;

    /// <summary><c>min_time_between_calls</c>: minutes between two attempts to one prospect, 0 to 10080. Default 30.</summary>
    public int MinTimeBetweenCallsMinutes { get; init; } = 30;

    /// <summary><c>dupe_days</c>: days a number counts as a duplicate; -1 disables the check. Default 90.</summary>
    public int DupeDays { get; init; } = 90;

    /// <summary><c>expire_days</c>: days after import after which a prospect is no longer dialed. Default 90.</summary>
    public int ExpireDays { get; init; } = 90;

    /// <summary><c>earliest_prospect_time</c>: first local time a prospect may be called (inclusive). Default 09:00:00.</summary>
    public LocalTime EarliestProspectTime { get; init; } = new(9, 0);

    /// <summary><c>latest_prospect_time</c>: local time from which a prospect may no longer be called (exclusive). Default 21:00:00.</summary>
    public LocalTime LatestProspectTime { get; init; } = new(21, 0);

    /// <summary><c>ignore_states</c>: states and provinces never dialed. Default empty.</summary>
    public StateCodeList IgnoreStates { get; init; } = StateCodeList.Empty;

    /// <summary><c>filter_holidays</c>: skip the holidays and Sundays of states that prohibit telemarketing on them. Default true.</summary>
    public bool FilterHolidays { get; init; } = true;

    /// <summary><c>max_wait_time</c>: seconds an answered call may wait for a free agent slot, 0 to 3600. Default 60.</summary>
    public int MaxWaitTimeSeconds { get; init; } = 60;

    /// <summary><c>queue_strategy</c>: how answered calls are given to agent slots. Default longest-idle-agent.</summary>
    public QueueStrategy QueueStrategy { get; init; } = QueueStrategy.LongestIdleAgent;

    /// <summary><c>wrap_up_time</c>: seconds a slot stays busy after a call ends, 0 to 3600. Default 3.</summary>
    public int WrapUpTimeSeconds { get; init; } = 3;

    /// <summary><c>paused</c>: dialing is temporarily suspended. Default false.</summary>
    public bool Paused { get; init; }

    /// <summary>The prospect-hours window as a pair, [earliest, latest), local to the prospect.</summary>
    public (LocalTime Earliest, LocalTime Latest) ProspectHours => (EarliestProspectTime, LatestProspectTime);

    public Duration DialerInterval => Duration.FromSeconds(DialerIntervalSeconds);
    public Duration MinTimeBetweenCalls => Duration.FromMinutes(MinTimeBetweenCallsMinutes);
    public Duration MaxWaitTime => Duration.FromSeconds(MaxWaitTimeSeconds);
    public Duration WrapUpTime => Duration.FromSeconds(WrapUpTimeSeconds);

    /// <summary>Wire form of a prospect time: always with seconds, <c>09:00:00</c>.</summary>
    public static string FormatTime(LocalTime time) => TimePattern.Format(time);

    internal static readonly LocalTimePattern TimePattern = LocalTimePattern.CreateWithInvariantCulture("HH':'mm':'ss");
    internal static readonly LocalTimePattern ShortTimePattern = LocalTimePattern.CreateWithInvariantCulture("HH':'mm");
}
