using Campaigns.Domain.Calls;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Dialer;
using Campaigns.Domain.Prospects;
using Campaigns.Domain.Scheduling;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Engine;

/// <summary>A contact a round may act on: due in the due index, or never tried (<paramref name="Fresh"/>).</summary>
internal sealed record Candidate(int Shard, Instant DueAt, StoredContact Contact, string? DueRowKey, bool Fresh);

internal enum PlanKind { Skip, Claim, Wait, Resolve }

internal sealed record Plan(Candidate Candidate, PlanKind Kind, Instant? WaitUntil = null, string? Reason = null)
{
    /// <summary>How many rows of a transaction this plan writes (its event goes into the transaction's one outbox row).</summary>
    public int Rows => Kind switch
    {
        PlanKind.Skip => Candidate.DueRowKey is not null && !Candidate.Fresh ? 1 : 0,
        PlanKind.Wait => 2 + (Candidate.Contact.DueKey is not null ? 1 : 0), // the contact, its new due row, the old one
        _ => 1 + (Candidate.Contact.DueKey is not null ? 1 : 0), // the contact, the old due row
    };
}

/// <summary>
/// The deciding step of a dispatch round, pure: given the candidates in due order, the campaign, the legal hours and
/// <c>now</c>, what becomes of each (dial, wait until, resolve, skip) until the free lines are used. Domain's rules
/// decide; this maps their answers to plans the dispatcher commits.
/// </summary>
internal static class DialPlans
{
    /// <summary>Decides each candidate in order, until the free lines are used.</summary>
    public static (List<Plan> Plans, bool StoppedEarly) Decide(Campaign campaign, List<Candidate> ordered, int capacity, LegalHours hours, Instant now)
    {
        var plans = new List<Plan>();
        var remaining = capacity;
        foreach (var candidate in ordered)
        {
            var state = candidate.Contact.State;
            if (candidate.Fresh && (state.Status != ContactStatus.Pending || state.Attempts > 0 || candidate.Contact.DueKey is not null))
            {
                plans.Add(new Plan(candidate, PlanKind.Skip)); // removed, resolved, or already in the due index
                continue;
            }
            if (state.Status is ContactStatus.Removed or ContactStatus.Resolved or ContactStatus.Dialing)
            {
                plans.Add(new Plan(candidate, PlanKind.Skip)); // a due row left behind: it goes
                continue;
            }
            var zones = ContactZones.For(state.Spec.Phone, state.Spec.TimeZone);
            if (zones.Count == 0)
            {
                plans.Add(new Plan(candidate, PlanKind.Resolve, Reason: Dispositions.NotDialable));
                continue;
            }
            if (campaign.Dialer is { } settings)
            {
                if (DecideProspect(candidate, settings, zones, campaign, hours, now) is { } prospectPlan)
                {
                    plans.Add(prospectPlan);
                    continue;
                }
                if (remaining == 0)
                    return (plans, true);
                plans.Add(new Plan(candidate, PlanKind.Claim));
                remaining--;
                continue;
            }
            switch (CallingWindow.Decide(zones, hours, campaign.Schedule, now))
            {
                case WindowDecision.Never never:
                    plans.Add(new Plan(candidate, PlanKind.Resolve, Reason: never.ScheduleEnded ? Dispositions.ScheduleEnded : Dispositions.NotDialable));
                    break;
                case WindowDecision.Wait wait:
                    plans.Add(new Plan(candidate, PlanKind.Wait, wait.Until, WireReason(wait.Reason)));
                    break;
                default:
                    if (remaining == 0)
                        return (plans, true);
                    plans.Add(new Plan(candidate, PlanKind.Claim));
                    remaining--;
                    break;
            }
        }
        return (plans, false);
    }

    /// <summary>
    /// A list-fed campaign's prospect (Campaign Scheduler API): attempts are checked against max_number_calls and
    /// min_time_between_calls (minutes since the last attempt ended); then <see cref="ProspectWindow"/> adds the campaign's
    /// prospect hours, the state's telemarketing holidays, ignored states and expiry to the legal hours. Returns null
    /// when it may be dialed now; a wait or a final resolution otherwise. The state is the prospect's own (CSV column),
    /// else the number's (libphonenumber's geocoder); unknown, the window applies every listed state's holidays.
    /// </summary>
    private static Plan? DecideProspect(Candidate candidate, DialerSettings settings, IReadOnlyList<DateTimeZone> zones,
        Campaign campaign, LegalHours hours, Instant now)
    {
        var state = candidate.Contact.State;
        // max_number_calls and min_time_between_calls as they are now: a PATCH may have lowered the one or raised the
        // other since the last result planned this contact's retry, and takes effect at the next tick.
        if (state.Attempts >= settings.MaxNumberCalls)
            return new Plan(candidate, PlanKind.Resolve, Reason: Dispositions.NotReachable);
        if (state.History.LastOrDefault() is { } last && (last.EndedAt ?? last.StartedAt) + settings.MinTimeBetweenCalls is var earliest && earliest > now)
            return new Plan(candidate, PlanKind.Wait, earliest, "retry_pending");
        var spec = state.Spec;
        var facts = new ProspectFacts(zones, spec.State ?? PhoneState.Of(spec.Phone), spec.ImportedAt ?? campaign.CreatedAt);
        return ProspectWindow.Decide(facts, settings, hours, campaign.Schedule, now) switch
        {
            ProspectDecision.DialNow => null,
            ProspectDecision.Wait wait => new Plan(candidate, PlanKind.Wait, wait.Until, ProspectDecisionNames.ToWire(wait.Reason)),
            ProspectDecision.Never never => new Plan(candidate, PlanKind.Resolve, Reason: never.Reason switch
            {
                ProspectNeverReason.NoCommonHours or ProspectNeverReason.UnknownZone => Dispositions.NotDialable,
                var other => ProspectDecisionNames.ToWire(other),
            }),
            var other => throw new InvalidOperationException($"Unknown decision {other}"),
        };
    }

    internal static string WireReason(WaitReason reason) => reason switch
    {
        WaitReason.BeforeSchedule => "before_schedule",
        WaitReason.OutsideLegalHours => "outside_legal_hours",
        _ => reason.ToString(),
    };
}
