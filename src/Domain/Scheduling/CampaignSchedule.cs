using Campaigns.Domain.Validation;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;

namespace Campaigns.Domain.Scheduling;

/// <summary>
/// When a campaign may dial: from <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive), both
/// local date-times in <see cref="Zone"/>, an IANA time zone. The window is half-open: no call starts at
/// <see cref="End"/> or later.
/// </summary>
/// <remarks>
/// DST rule (<see cref="Resolver"/>): a local time that falls in a spring-forward gap is moved forward by the
/// length of the gap (02:30 becomes 03:30); a local time that occurs twice in a fall-back overlap means its
/// earlier occurrence. This is NodaTime's lenient resolver, named here so it is never applied by accident.
/// </remarks>
public sealed record CampaignSchedule
{
    /// <summary>The one DST resolution rule used for every local time of a schedule.</summary>
    public static readonly ZoneLocalMappingResolver Resolver = Resolvers.LenientResolver;

    private static readonly LocalDateTimePattern[] Patterns =
    [
        LocalDateTimePattern.ExtendedIso,
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm"),
    ];

    private CampaignSchedule(LocalDateTime start, LocalDateTime end, DateTimeZone zone)
    {
        Start = start;
        End = end;
        Zone = zone;
    }

    public LocalDateTime Start { get; }
    public LocalDateTime End { get; }
    public DateTimeZone Zone { get; }

    /// <summary>The instant the window opens.</summary>
    public Instant StartInstant => Start.InZone(Zone, Resolver).ToInstant();

    /// <summary>The instant the window closes (exclusive).</summary>
    public Instant EndInstant => End.InZone(Zone, Resolver).ToInstant();

    /// <summary>True when <paramref name="now"/> lies in [start, end).</summary>
    public bool Contains(Instant now) => now >= StartInstant && now < EndInstant;

    /// <summary>Wire form: local date-time with seconds, no offset (<c>2024-02-01T09:00:00</c>).</summary>
    public static string Format(LocalDateTime value) =>
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss").Format(value);

    public static CampaignSchedule Create(LocalDateTime start, LocalDateTime end, DateTimeZone zone)
    {
        var schedule = new CampaignSchedule(start, end, zone);
        if (schedule.EndInstant <= schedule.StartInstant)
            throw new DomainValidationException([new FieldError("schedule.end_time", "must be after start_time")]);
        return schedule;
    }

    /// <summary>
    /// Builds a schedule from its wire fields, adding every problem to <paramref name="errors"/> under
    /// <paramref name="path"/> (e.g. <c>schedule.start_time</c>). Returns null when anything is wrong.
    /// </summary>
    public static CampaignSchedule? TryCreate(string? startText, string? endText, string? zoneId, string path, ValidationErrors errors)
    {
        var before = errors.Count;
        var start = ParseLocal(startText, ValidationErrors.Join(path, "start_time"), errors);
        var end = ParseLocal(endText, ValidationErrors.Join(path, "end_time"), errors);
        var zone = ParseZone(zoneId, ValidationErrors.Join(path, "timezone"), errors);
        if (errors.Count > before || start is null || end is null || zone is null)
            return null;
        var schedule = new CampaignSchedule(start.Value, end.Value, zone);
        if (schedule.EndInstant <= schedule.StartInstant)
        {
            errors.Add(ValidationErrors.Join(path, "end_time"), "must be after start_time");
            return null;
        }
        return schedule;
    }

    /// <summary>An IANA zone id known to the TZDB bundled with NodaTime (aliases such as Asia/Calcutta included).</summary>
    public static DateTimeZone? ParseZone(string? zoneId, string field, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(zoneId))
        {
            errors.Add(field, "is required: an IANA time zone id such as Asia/Kolkata");
            return null;
        }
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId);
        if (zone is null)
            errors.Add(field, $"'{zoneId}' is not an IANA time zone id (e.g. Asia/Kolkata, America/New_York)");
        return zone;
    }

    private static LocalDateTime? ParseLocal(string? text, string field, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "is required: a local date-time such as 2024-02-01T09:00:00");
            return null;
        }
        foreach (var pattern in Patterns)
        {
            var result = pattern.Parse(text);
            if (result.Success)
                return result.Value;
        }
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 19 && (text[19..].Contains('+') || text[19..].Contains('-')));
        errors.Add(field, hasOffset
            ? "must be a local date-time without an offset or Z; the zone comes from schedule.timezone"
            : "must be a local date-time in ISO 8601 form, such as 2024-02-01T09:00:00");
        return null;
    }
}
