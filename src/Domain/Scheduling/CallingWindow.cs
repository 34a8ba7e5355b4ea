using NodaTime;

namespace Campaigns.Domain.Scheduling;

/// <summary>Why a contact is not being dialed right now.</summary>
public enum WaitReason
{
    /// <summary>Before the campaign's start_time.</summary>
    BeforeSchedule,
    /// <summary>Outside the contact's legal calling hours in (one of) its zone(s).</summary>
    OutsideLegalHours,
}

/// <summary>The calling-window decision for one contact at one instant.</summary>
public abstract record WindowDecision
{
    /// <summary>May be dialed now.</summary>
    public sealed record DialNow : WindowDecision;

    /// <summary>May not be dialed before <paramref name="Until"/>.</summary>
    public sealed record Wait(Instant Until, WaitReason Reason) : WindowDecision;

    /// <summary>
    /// Never callable: the schedule has ended or leaves no legal moment (<paramref name="ScheduleEnded"/>), or the zones
    /// the number may be in share no legal hour at all (a number that maps to zones half a world apart).
    /// </summary>
    public sealed record Never(string Reason, bool ScheduleEnded) : WindowDecision;
}

/// <summary>
/// "May this contact be called now, and if not, when?" A contact may be dialed only at an instant that is inside
/// the campaign's schedule window (when it has one) and inside the legal hours of <b>every</b> zone its number may
/// be in: a number that maps to two zones is called only while both are inside. Pure: the zones, hours, schedule
/// and <c>now</c> are given.
/// </summary>
public static class CallingWindow
{
    /// <summary>How far ahead a next opening is searched; beyond it the contact is looked at again then.</summary>
    public static readonly Duration Horizon = Duration.FromDays(8);

    /// <summary>
    /// How long after its decision a call may still be placed. A contact is dialed only if every window it needs (its
    /// zones' legal hours, the schedule) stays open at least this long, and the engine places no call later than this
    /// after deciding it (storage slow, a long round): the call then starts inside the window, never after its close.
    /// A contact whose window closes sooner waits for the next opening.
    /// </summary>
    public static readonly Duration PlacementLead = Duration.FromMinutes(2);

    /// <summary>
    /// The decision at <paramref name="now"/>: dial only where every window is open and the earliest of their closes is
    /// at least <see cref="PlacementLead"/> away; likewise a planned opening counts only if it stays open that long.
    /// </summary>
    public static WindowDecision Decide(IReadOnlyList<DateTimeZone> zones, LegalHours hours, CampaignSchedule? schedule, Instant now)
    {
        if (zones.Count == 0)
            throw new ArgumentException("A contact needs at least one zone; one without is not dialable.", nameof(zones));

        var from = now;
        var horizonEnd = now + Horizon;
        var reasonIfWaiting = WaitReason.OutsideLegalHours;
        if (schedule is not null)
        {
            if (now >= schedule.EndInstant)
                return new WindowDecision.Never("the schedule has ended", ScheduleEnded: true);
            if (now < schedule.StartInstant)
            {
                from = schedule.StartInstant;
                reasonIfWaiting = WaitReason.BeforeSchedule;
            }
            if (schedule.EndInstant < horizonEnd)
                horizonEnd = schedule.EndInstant;
        }

        // Intersect the legal intervals of every zone, walking forward from `from`.
        var candidate = from;
        for (var guard = 0; guard < 64 && candidate < horizonEnd; guard++)
        {
            var latestOpen = candidate;
            var earliestClose = horizonEnd;
            var allOpenAtCandidate = true;
            foreach (var zone in zones)
            {
                var (open, close) = IntervalAtOrAfter(zone, hours, candidate);
                if (open > candidate)
                {
                    allOpenAtCandidate = false;
                    if (open > latestOpen)
                        latestOpen = open;
                }
                if (close < earliestClose)
                    earliestClose = close;
            }
            if (allOpenAtCandidate && earliestClose - candidate >= PlacementLead)
            {
                if (candidate == now)
                    return new WindowDecision.DialNow();
                return new WindowDecision.Wait(candidate, candidate == from && from != now ? reasonIfWaiting : WaitReason.OutsideLegalHours);
            }
            // Not open everywhere yet, or closing within the lead: look again at the next opening or after the close.
            candidate = allOpenAtCandidate ? earliestClose : latestOpen;
        }
        if (!HaveCommonHours(zones, hours, from))
            return new WindowDecision.Never("the zones this number may be in share no legal calling hour", ScheduleEnded: false);
        if (schedule is not null && horizonEnd == schedule.EndInstant)
            return new WindowDecision.Never("no legal calling time remains before the schedule ends", ScheduleEnded: true);
        return new WindowDecision.Wait(horizonEnd, reasonIfWaiting);
    }

    /// <summary>Whether the zones' legal hours overlap at all in the two days from <paramref name="from"/> (they repeat daily).</summary>
    private static bool HaveCommonHours(IReadOnlyList<DateTimeZone> zones, LegalHours hours, Instant from)
    {
        for (var probe = from; probe < from + Duration.FromDays(2); probe += Duration.FromMinutes(15))
        {
            if (zones.All(zone => { var (open, close) = IntervalAtOrAfter(zone, hours, probe); return open <= probe && probe < close; }))
                return true;
        }
        return false;
    }

    /// <summary>The legal interval in <paramref name="zone"/> that contains <paramref name="instant"/>, or the next one after it.</summary>
    private static (Instant Open, Instant Close) IntervalAtOrAfter(DateTimeZone zone, LegalHours hours, Instant instant)
    {
        var date = instant.InZone(zone).Date;
        for (var day = -1; day <= 2; day++)
        {
            var (open, close) = hours.On(date.PlusDays(day), zone);
            if (instant < close)
                return (open, close);
        }
        return hours.On(date.PlusDays(3), zone);
    }
}
