using NodaTime;

namespace Campaigns.Domain.Scheduling;

/// <summary>
/// The local hours in which a contact may be called, in the contact's own zone: [<see cref="Start"/>, <see cref="End"/>),
/// half-open. The default, 08:00 to 21:00, is the US rule (47 CFR 64.1200(c)(1): no calls before 8 a.m. or after
/// 9 p.m. at the called party's location). Accounts may narrow or change it.
/// </summary>
public sealed record LegalHours
{
    public static readonly LegalHours UsDefault = new(new LocalTime(8, 0), new LocalTime(21, 0));

    public LegalHours(LocalTime start, LocalTime end)
    {
        if (end <= start)
            throw new ArgumentException($"Legal hours must end after they start ({start:HH:mm} to {end:HH:mm}).", nameof(end));
        Start = start;
        End = end;
    }

    public LocalTime Start { get; }
    public LocalTime End { get; }

    /// <summary>The instants of this window on <paramref name="date"/> in <paramref name="zone"/> (DST by <see cref="CampaignSchedule.Resolver"/>).</summary>
    public (Instant Open, Instant Close) On(LocalDate date, DateTimeZone zone) =>
        ((date + Start).InZone(zone, CampaignSchedule.Resolver).ToInstant(), (date + End).InZone(zone, CampaignSchedule.Resolver).ToInstant());
}
