using Campaigns.Domain.Validation;
using NodaTime;
using F = Campaigns.Domain.Dialer.DialerFields;

namespace Campaigns.Domain.Dialer;

/// <summary>
/// The rules of the dialer settings for <c>POST</c> (<see cref="Create"/>), <c>PUT</c> (<see cref="Replace"/>) and
/// <c>PATCH</c> (<see cref="Patch"/>). The seed gives defaults and two ranges (dialer_interval 2–15, dupe_days -1 to
/// disable); the other limits are decided here, all inclusive:
/// <list type="bullet">
/// <item><c>call_ratio</c>: a finite number from 0 to <see cref="MaxCallRatio"/> (10). Ten calls per free agent is
///   already far beyond any sane answer rate; 0 is allowed and means the campaign dials nothing.</item>
/// <item><c>max_active_calls</c>: 0 (no cap beyond agent capacity) to 10000.</item>
/// <item><c>max_number_calls</c>: 1 to 100 attempts per prospect.</item>
/// <item><c>min_time_between_calls</c>: 0 to 10080 minutes (7 days).</item>
/// <item><c>dupe_days</c>: -1 (disabled) or 0 to 3650 (10 years); <c>expire_days</c>: 1 to 3650.</item>
/// <item><c>max_wait_time</c> and <c>wrap_up_time</c>: 0 to 3600 seconds.</item>
/// <item>Texts: <c>name</c>, <c>agent_id</c>, <c>workspace</c> at most 255 code points; <c>email</c> at most 254
///   characters (the SMTP path limit).</item>
/// <item><c>earliest_prospect_time</c> must be strictly before <c>latest_prospect_time</c>: the window is half-open
///   [earliest, latest) and does not wrap past midnight. Whether it overlaps the account's legal hours is not
///   checked here (legal hours belong to the account); <see cref="ProspectWindow"/> answers no_common_hours.</item>
/// </list>
/// Null is accepted only for <c>agent_id</c>, <c>workspace</c> and <c>email</c> (it clears them); for every other
/// field null is an error rather than "use the default", so that a client never resets a setting by accident.
/// A blank string for one of the three optional texts is stored as null: a blank id names nothing.
/// Numbers with a fraction are refused for integer fields rather than rounded. Errors use wire names and say the
/// allowed range; a field that already has an error (a wrong JSON type, found by the reader) is not checked again,
/// and any error already in <c>errors</c> makes the result null.
/// </summary>
public static class DialerSettingsRules
{
    public const int MaxNameLength = 255;
    public const int MaxReferenceLength = 255;
    public const int MaxEmailLength = 254;
    public const double MaxCallRatio = 10;
    public const int MinDialerInterval = 2, MaxDialerInterval = 15;
    public const int MaxMaxActiveCalls = 10_000;
    public const int MinMaxNumberCalls = 1, MaxMaxNumberCalls = 100;
    public const int MaxMinTimeBetweenCalls = 7 * 24 * 60;
    public const int DupeDaysDisabled = -1, MaxDupeDays = 3650;
    public const int MinExpireDays = 1, MaxExpireDays = 3650;
    public const int MaxWaitTimeSeconds = 3600;
    public const int MaxWrapUpTimeSeconds = 3600;

    private const string NameRange = "must be a non-blank text of 1 to 255 characters";
    private const string CallRatioRange = "must be a number from 0 to 10 (calls per free agent)";
    private const string TimeRange = "must be a time of day written HH:mm:ss or HH:mm, from 00:00:00 to 23:59:59 (e.g. 09:00:00)";
    private const string BoolRange = "must be true or false";

    private enum Mode { Create, Replace, Patch }

    /// <summary>POST: absent fields take their defaults; <c>name</c> is required.</summary>
    public static DialerSettings? Create(DialerSettingsDraft draft, ValidationErrors errors) => Build(null, draft, Mode.Create, errors);

    /// <summary>PUT: a full replacement; absent fields take their defaults (not their current values); <c>name</c> is required.</summary>
    public static DialerSettings? Replace(DialerSettingsDraft draft, ValidationErrors errors) => Build(null, draft, Mode.Replace, errors);

    /// <summary>
    /// PATCH: only the fields present in <paramref name="draft"/> change. Cross-field rules (earliest before latest)
    /// are checked on the merged result, so moving the window takes one request in either order.
    /// </summary>
    public static DialerSettings? Patch(DialerSettings current, DialerSettingsDraft draft, ValidationErrors errors) =>
        Build(current, draft, Mode.Patch, errors);

    private static DialerSettings? Build(DialerSettings? current, DialerSettingsDraft d, Mode mode, ValidationErrors errors)
    {
        var patch = mode == Mode.Patch;
        var start = current ?? new DialerSettings { Name = "" };

        var name = start.Name;
        if (d.Name.IsAbsent && !patch && !errors.Has(F.Name))
            errors.Add(F.Name, "is required: a non-blank text of 1 to 255 characters");
        else if (Take(d.Name, F.Name, NameRange, patch, errors, out var rawName))
        {
            if (string.IsNullOrWhiteSpace(rawName))
                errors.Add(F.Name, $"{NameRange}; it is blank");
            else if (CodePoints(rawName) is var length && length > MaxNameLength)
                errors.Add(F.Name, $"{NameRange} (got {length})");
            else
                name = rawName;
        }

        var agentId = Reference(d.AgentId, F.AgentId, start.AgentId, errors);
        var workspace = Reference(d.Workspace, F.Workspace, start.Workspace, errors);
        var email = EmailField(d.Email, start.Email, errors);

        var locale = start.LocaleName;
        var localeRange = $"must be one of: {DialerLocale.SupportedText}";
        if (Take(d.LocaleName, F.LocaleName, localeRange, patch, errors, out var rawLocale))
        {
            if (DialerLocale.Find(rawLocale) is { } found)
                locale = found.Name;
            else
                errors.Add(F.LocaleName, $"'{rawLocale}' is not supported; {localeRange}");
        }

        var active = Flag(d.Active, F.Active, start.Active, patch, errors);

        var callRatio = start.CallRatio;
        if (Take(d.CallRatio, F.CallRatio, CallRatioRange, patch, errors, out var ratio))
        {
            if (double.IsFinite(ratio) && ratio >= 0 && ratio <= MaxCallRatio)
                callRatio = ratio;
            else
                errors.Add(F.CallRatio, CallRatioRange);
        }

        var interval = Integer(d.DialerInterval, F.DialerInterval, start.DialerIntervalSeconds, MinDialerInterval, MaxDialerInterval,
            "must be an integer from 2 to 15 (seconds between dialer ticks)", patch, errors);
        var maxActive = Integer(d.MaxActiveCalls, F.MaxActiveCalls, start.MaxActiveCalls, 0, MaxMaxActiveCalls,
            "must be an integer from 0 (unlimited) to 10000 (concurrent calls)", patch, errors);
        var maxNumber = Integer(d.MaxNumberCalls, F.MaxNumberCalls, start.MaxNumberCalls, MinMaxNumberCalls, MaxMaxNumberCalls,
            "must be an integer from 1 to 100 (call attempts per prospect)", patch, errors);
        var minBetween = Integer(d.MinTimeBetweenCalls, F.MinTimeBetweenCalls, start.MinTimeBetweenCallsMinutes, 0, MaxMinTimeBetweenCalls,
            "must be an integer from 0 to 10080 (minutes, at most 7 days)", patch, errors);
        var dupeDays = Integer(d.DupeDays, F.DupeDays, start.DupeDays, DupeDaysDisabled, MaxDupeDays,
            "must be -1 (duplicate check disabled) or an integer from 0 to 3650 (days)", patch, errors);
        var expireDays = Integer(d.ExpireDays, F.ExpireDays, start.ExpireDays, MinExpireDays, MaxExpireDays,
            "must be an integer from 1 to 3650 (days)", patch, errors);

        var earliest = Time(d.EarliestProspectTime, F.EarliestProspectTime, start.EarliestProspectTime, patch, errors);
        var latest = Time(d.LatestProspectTime, F.LatestProspectTime, start.LatestProspectTime, patch, errors);
        if (!errors.Has(F.EarliestProspectTime) && !errors.Has(F.LatestProspectTime) && earliest >= latest)
        {
            // Report on the field the client sent; when it sent both (or neither, on PUT defaults), on latest.
            const string window = "the window is [earliest, latest) within one day";
            if (d.EarliestProspectTime.IsPresent && !d.LatestProspectTime.IsPresent)
                errors.Add(F.EarliestProspectTime, $"must be before latest_prospect_time ({DialerSettings.FormatTime(latest)}); {window}");
            else
                errors.Add(F.LatestProspectTime, $"must be after earliest_prospect_time ({DialerSettings.FormatTime(earliest)}); {window}");
        }

        var ignore = start.IgnoreStates;
        const string ignoreRange = "must be comma-separated two-letter state or province codes, e.g. \"NY, CA, ON\", or \"\" for none";
        if (Take(d.IgnoreStates, F.IgnoreStates, ignoreRange, patch, errors, out var rawIgnore))
        {
            if (StateCodeList.TryParse(rawIgnore, out var list, out var error))
                ignore = list;
            else
                errors.Add(F.IgnoreStates, error);
        }

        var filterHolidays = Flag(d.FilterHolidays, F.FilterHolidays, start.FilterHolidays, patch, errors);
        var maxWait = Integer(d.MaxWaitTime, F.MaxWaitTime, start.MaxWaitTimeSeconds, 0, MaxWaitTimeSeconds,
            "must be an integer from 0 to 3600 (seconds)", patch, errors);

        var strategy = start.QueueStrategy;
        var strategyRange = $"must be one of: {string.Join(", ", QueueStrategyNames.All)}";
        if (Take(d.QueueStrategy, F.QueueStrategy, strategyRange, patch, errors, out var rawStrategy))
        {
            if (QueueStrategyNames.TryParse(rawStrategy, out var parsed))
                strategy = parsed;
            else
                errors.Add(F.QueueStrategy, $"'{rawStrategy}' is not a queue strategy; {strategyRange}");
        }

        var wrapUp = Integer(d.WrapUpTime, F.WrapUpTime, start.WrapUpTimeSeconds, 0, MaxWrapUpTimeSeconds,
            "must be an integer from 0 to 3600 (seconds)", patch, errors);
        var paused = Flag(d.Paused, F.Paused, start.Paused, patch, errors);

        // Any error of the request (including a wrong JSON type the reader found) means no settings.
        if (errors.Any)
            return null;
        return new DialerSettings
        {
            Name = name, AgentId = agentId, Workspace = workspace, Email = email, LocaleName = locale, Active = active,
            CallRatio = callRatio, DialerIntervalSeconds = interval, MaxActiveCalls = maxActive, MaxNumberCalls = maxNumber,
            MinTimeBetweenCallsMinutes = minBetween, DupeDays = dupeDays, ExpireDays = expireDays,
            EarliestProspectTime = earliest, LatestProspectTime = latest, IgnoreStates = ignore, FilterHolidays = filterHolidays,
            MaxWaitTimeSeconds = maxWait, QueueStrategy = strategy, WrapUpTimeSeconds = wrapUp, Paused = paused,
        };
    }

    /// <summary>
    /// True when the field carries a value to check. Null on a non-nullable field is reported here, with the range;
    /// a field the reader already reported is skipped.
    /// </summary>
    private static bool Take<T>(DraftValue<T> value, string field, string range, bool patch, ValidationErrors errors, out T raw) where T : notnull
    {
        raw = default!;
        if (value.IsAbsent || errors.Has(field))
            return false;
        if (value.IsNull)
        {
            errors.Add(field, $"{range}, not null; omit the field to {(patch ? "keep the current value" : "use the default")}");
            return false;
        }
        raw = value.Value;
        return true;
    }

    private static int Integer(DraftValue<double> value, string field, int fallback, int min, int max, string range, bool patch, ValidationErrors errors)
    {
        if (!Take(value, field, range, patch, errors, out var raw))
            return fallback;
        if (double.IsFinite(raw) && Math.Floor(raw) == raw && raw >= min && raw <= max)
            return (int)raw;
        errors.Add(field, double.IsFinite(raw) && Math.Floor(raw) != raw ? $"{range}; {raw} has a fraction" : range);
        return fallback;
    }

    private static bool Flag(DraftValue<bool> value, string field, bool fallback, bool patch, ValidationErrors errors) =>
        Take(value, field, BoolRange, patch, errors, out var raw) ? raw : fallback;

    private static LocalTime Time(DraftValue<string> value, string field, LocalTime fallback, bool patch, ValidationErrors errors)
    {
        if (!Take(value, field, TimeRange, patch, errors, out var raw))
            return fallback;
        foreach (var pattern in new[] { DialerSettings.TimePattern, DialerSettings.ShortTimePattern })
        {
            var result = pattern.Parse(raw);
            if (result.Success)
                return result.Value;
        }
        errors.Add(field, $"'{raw}' is not a time of day; it {TimeRange}");
        return fallback;
    }

    /// <summary><c>agent_id</c> and <c>workspace</c>: null or blank clears, else at most 255 code points.</summary>
    private static string? Reference(DraftValue<string> value, string field, string? fallback, ValidationErrors errors)
    {
        if (value.IsAbsent || errors.Has(field))
            return fallback;
        if (value.IsNull || string.IsNullOrWhiteSpace(value.Value))
            return null;
        var length = CodePoints(value.Value);
        if (length <= MaxReferenceLength)
            return value.Value;
        errors.Add(field, $"must be null or a text of at most {MaxReferenceLength} characters (got {length})");
        return fallback;
    }

    private static string? EmailField(DraftValue<string> value, string? fallback, ValidationErrors errors)
    {
        if (value.IsAbsent || errors.Has(F.Email))
            return fallback;
        if (value.IsNull || string.IsNullOrWhiteSpace(value.Value))
            return null;
        if (LooksLikeEmail(value.Value))
            return value.Value;
        errors.Add(F.Email, $"must be null or an email address such as owner@example.com, at most {MaxEmailLength} characters");
        return fallback;
    }

    /// <summary>
    /// A deliberately plain shape check (local@domain.tld), not RFC 5322: no spaces, one @, a local part of 1 to 64
    /// characters without leading, trailing or doubled dots, and a domain of dot-separated labels of letters, digits
    /// and inner hyphens ending in a label of at least two letters. Deliverability is not this layer's business.
    /// </summary>
    public static bool LooksLikeEmail(string text)
    {
        if (text.Length > MaxEmailLength || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            return false;
        var at = text.IndexOf('@');
        if (at <= 0 || at != text.LastIndexOf('@') || at > 64)
            return false;
        var local = text[..at];
        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
            return false;
        var labels = text[(at + 1)..].Split('.');
        if (labels.Length < 2)
            return false;
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-') || !label.All(c => char.IsLetterOrDigit(c) || c == '-'))
                return false;
        }
        var tld = labels[^1];
        return tld.Length >= 2 && tld.All(char.IsLetter);
    }

    private static int CodePoints(string value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateRunes())
            count++;
        return count;
    }
}
