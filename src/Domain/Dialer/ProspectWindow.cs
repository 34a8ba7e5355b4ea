using Campaigns.Domain.Dialer.Holidays;
using Campaigns.Domain.Scheduling;
using NodaTime;

namespace Campaigns.Domain.Dialer;

/// <summary>Why a prospect is not dialed now but may be later. Wire names: <see cref="ProspectDecisionNames"/>.</summary>
public enum ProspectWaitReason
{
    /// <summary><c>before_schedule</c>: the campaign's schedule has not started.</summary>
    BeforeSchedule,
    /// <summary><c>outside_legal_hours</c>: outside the account's legal hours in (one of) the prospect's zone(s).</summary>
    OutsideLegalHours,
    /// <summary><c>outside_prospect_hours</c>: inside legal hours, outside earliest_prospect_time..latest_prospect_time.</summary>
    OutsideProspectHours,
    /// <summary><c>holiday</c>: a restricted holiday or Sunday of the prospect's state, in one of its zones.</summary>
    Holiday,
}

/// <summary>Why a prospect will never be dialed under the current settings.</summary>
public enum ProspectNeverReason
{
    /// <summary><c>expired</c>: imported_at + expire_days has passed, or passes before the next dialable moment.</summary>
    Expired,
    /// <summary><c>ignored_state</c>: the prospect's state is in ignore_states.</summary>
    IgnoredState,
    /// <summary><c>no_common_hours</c>: legal hours, prospect hours and the prospect's zones share no moment.</summary>
    NoCommonHours,
    /// <summary><c>schedule_ended</c>: the campaign's schedule has ended, or leaves no dialable moment.</summary>
    ScheduleEnded,
    /// <summary><c>unknown_zone</c>: no time zone is known for the prospect, so no local time can be checked.</summary>
    UnknownZone,
}

/// <summary>The decision for one prospect at one instant.</summary>
public abstract record ProspectDecision
{
    /// <summary>May be dialed now.</summary>
    public sealed record DialNow : ProspectDecision;

    /// <summary>
    /// Not before <paramref name="Until"/>, which is itself dialable (asking again at Until gives DialNow, unless the
    /// settings changed). <paramref name="Reason"/> says why not NOW; <paramref name="Holiday"/> names the day when
    /// the reason is <see cref="ProspectWaitReason.Holiday"/>.
    /// </summary>
    public sealed record Wait(Instant Until, ProspectWaitReason Reason, string? Holiday = null) : ProspectDecision;

    /// <summary>Never under the current settings; <paramref name="Detail"/> explains in words.</summary>
    public sealed record Never(ProspectNeverReason Reason, string Detail) : ProspectDecision;
}

/// <summary>What the window needs to know about a prospect.</summary>
/// <param name="Zones">Every zone the prospect may be in (<see cref="Contacts.ContactZones"/>): all must be inside.</param>
/// <param name="StateCode">The prospect's state or province (the CSV's state, else the number's, see
///   <c>Prospects.PhoneState</c>), or null when unknown.</param>
/// <param name="ImportedAt">When the prospect was imported; expiry counts from here.</param>
public sealed record ProspectFacts(IReadOnlyList<DateTimeZone> Zones, string? StateCode, Instant ImportedAt);

/// <summary>
/// "May this prospect be dialed now, and if not, when?" A prospect is dialed only at an instant that is, in EVERY
/// zone it may be in: inside the account's legal hours, inside [earliest_prospect_time, latest_prospect_time)
/// (half-open: exactly at earliest dials, exactly at latest waits for the next day), inside the campaign schedule
/// when there is one, and, when filter_holidays is on, not on a restricted holiday or Sunday of its state (the
/// date is the local date in each zone). It is never dialed when its state is in ignore_states, or once
/// imported_at + expire_days (24-hour days on the time line) has passed.
/// </summary>
/// <remarks>
/// <para>Unknown state with filter_holidays on: the dialer does not guess a state that decides legal rules, so the
/// days of every listed state apply (the union), Sundays included. Such a prospect waits out every listed holiday.</para>
/// <para>Reason order for a Wait (why not now): before_schedule, then holiday, then outside_legal_hours, then
/// outside_prospect_hours. Never checks come first: unknown_zone, ignored_state, expired.</para>
/// <para>Legal hours and prospect hours are both daily windows in the same zone, so their intersection is one daily
/// window; it is searched with <see cref="CallingWindow.Decide"/> (which already does the every-zone intersection,
/// the schedule and DST), and holidays are skipped by restarting the search at the next local midnight. DST follows
/// <see cref="CampaignSchedule.Resolver"/>. The caller checks <c>active</c> and <c>paused</c>: they stop a whole
/// campaign, not a prospect.</para>
/// </remarks>
public static class ProspectWindow
{
    /// <summary>Searches of CallingWindow before giving up with a look-again Wait (each covers up to 8 days or a holiday).</summary>
    private const int MaxSearches = 64;

    public static ProspectDecision Decide(ProspectFacts prospect, DialerSettings settings, LegalHours legalHours, CampaignSchedule? schedule, Instant now)
    {
        var zones = prospect.Zones;
        if (zones.Count == 0)
            return new ProspectDecision.Never(ProspectNeverReason.UnknownZone, "no time zone is known for this prospect");
        if (settings.IgnoreStates.Contains(prospect.StateCode))
            return new ProspectDecision.Never(ProspectNeverReason.IgnoredState, $"{prospect.StateCode!.ToUpperInvariant()} is in ignore_states");
        var expiresAt = prospect.ImportedAt + Duration.FromDays(settings.ExpireDays);
        if (now >= expiresAt)
            return Expired(expiresAt);

        var start = Max(legalHours.Start, settings.EarliestProspectTime);
        var end = Min(legalHours.End, settings.LatestProspectTime);
        if (start >= end)
        {
            return new ProspectDecision.Never(ProspectNeverReason.NoCommonHours,
                $"the prospect hours {DialerSettings.FormatTime(settings.EarliestProspectTime)}-{DialerSettings.FormatTime(settings.LatestProspectTime)} "
                + $"do not overlap the legal hours {DialerSettings.FormatTime(legalHours.Start)}-{DialerSettings.FormatTime(legalHours.End)}");
        }
        var hours = new LegalHours(start, end);

        var probe = now;
        for (var search = 0; search < MaxSearches; search++)
        {
            Instant candidate;
            switch (CallingWindow.Decide(zones, hours, schedule, probe))
            {
                case WindowDecision.DialNow:
                    candidate = probe;
                    break;
                case WindowDecision.Wait wait:
                    candidate = wait.Until;
                    break;
                case WindowDecision.Never { ScheduleEnded: true } ended:
                    return new ProspectDecision.Never(ProspectNeverReason.ScheduleEnded, ended.Reason);
                case WindowDecision.Never never:
                    return new ProspectDecision.Never(ProspectNeverReason.NoCommonHours, never.Reason);
                default:
                    throw new InvalidOperationException("Unknown window decision.");
            }
            if (candidate >= expiresAt)
                return Expired(expiresAt);
            if (!InsideEverywhere(zones, hours, candidate))
            {
                probe = candidate; // CallingWindow's horizon: look again from there.
                continue;
            }
            if (settings.FilterHolidays && FirstRestrictedDay(zones, prospect.StateCode, candidate) is { } restricted)
            {
                probe = restricted.Date.PlusDays(1).AtStartOfDayInZone(restricted.Zone).ToInstant();
                continue;
            }
            if (candidate == now)
                return new ProspectDecision.DialNow();
            return WaitUntil(candidate, prospect, settings, legalHours, schedule, now);
        }
        return WaitUntil(probe, prospect, settings, legalHours, schedule, now);
    }

    private static ProspectDecision Expired(Instant expiresAt) =>
        new ProspectDecision.Never(ProspectNeverReason.Expired, $"the prospect expires at {expiresAt} (imported_at + expire_days) before it can be dialed");

    /// <summary>A Wait until <paramref name="until"/> with the reason the prospect is not dialed at <paramref name="now"/>.</summary>
    private static ProspectDecision.Wait WaitUntil(Instant until, ProspectFacts prospect, DialerSettings settings, LegalHours legalHours,
        CampaignSchedule? schedule, Instant now)
    {
        if (schedule is not null && now < schedule.StartInstant)
            return new ProspectDecision.Wait(until, ProspectWaitReason.BeforeSchedule);
        if (settings.FilterHolidays && FirstRestrictedDay(prospect.Zones, prospect.StateCode, now) is { } restricted)
            return new ProspectDecision.Wait(until, ProspectWaitReason.Holiday, restricted.Name);
        if (!InsideEverywhere(prospect.Zones, legalHours, now))
            return new ProspectDecision.Wait(until, ProspectWaitReason.OutsideLegalHours);
        return new ProspectDecision.Wait(until, ProspectWaitReason.OutsideProspectHours);
    }

    /// <summary>True when <paramref name="instant"/> lies in [open, close) of its local date in every zone.</summary>
    private static bool InsideEverywhere(IReadOnlyList<DateTimeZone> zones, LegalHours hours, Instant instant)
    {
        foreach (var zone in zones)
        {
            var (open, close) = hours.On(instant.InZone(zone).Date, zone);
            if (instant < open || instant >= close)
                return false;
        }
        return true;
    }

    /// <summary>The first zone whose local date at <paramref name="instant"/> is restricted for the state (or any listed state when unknown).</summary>
    private static (LocalDate Date, DateTimeZone Zone, string Name)? FirstRestrictedDay(IReadOnlyList<DateTimeZone> zones, string? stateCode, Instant instant)
    {
        foreach (var zone in zones)
        {
            var date = instant.InZone(zone).Date;
            var (restricted, name) = stateCode is null
                ? TelemarketingHolidays.IsRestrictedInAnyListedState(date)
                : TelemarketingHolidays.IsRestricted(stateCode, date);
            if (restricted)
                return (date, zone, name!);
        }
        return null;
    }

    private static LocalTime Max(LocalTime a, LocalTime b) => a >= b ? a : b;
    private static LocalTime Min(LocalTime a, LocalTime b) => a <= b ? a : b;
}

/// <summary>Wire names of the prospect decision reasons (snake_case).</summary>
public static class ProspectDecisionNames
{
    public static string ToWire(this ProspectWaitReason reason) => reason switch
    {
        ProspectWaitReason.BeforeSchedule => "before_schedule",
        ProspectWaitReason.OutsideLegalHours => "outside_legal_hours",
        ProspectWaitReason.OutsideProspectHours => "outside_prospect_hours",
        ProspectWaitReason.Holiday => "holiday",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static string ToWire(this ProspectNeverReason reason) => reason switch
    {
        ProspectNeverReason.Expired => "expired",
        ProspectNeverReason.IgnoredState => "ignored_state",
        ProspectNeverReason.NoCommonHours => "no_common_hours",
        ProspectNeverReason.ScheduleEnded => "schedule_ended",
        ProspectNeverReason.UnknownZone => "unknown_zone",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
