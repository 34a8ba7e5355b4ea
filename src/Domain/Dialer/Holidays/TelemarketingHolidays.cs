using System.Collections.Concurrent;
using System.Collections.Frozen;
using NodaTime;

namespace Campaigns.Domain.Dialer.Holidays;

/// <summary>
/// "Does this state ban telephone solicitation on this date?" from <see cref="TelemarketingHolidayData"/>. A date is
/// restricted when it is a Sunday in a state that bans Sundays, or the actual or an observed date of one of the
/// state's listed holidays. The date is a calendar date at the called party's location; turning an instant into
/// that date (in each zone the number may be in) is the caller's job (<see cref="ProspectWindow"/>).
/// Pure: the per-state, per-year date tables are computed once and cached, which changes no answer.
/// </summary>
public static class TelemarketingHolidays
{
    /// <summary>How far <see cref="NextUnrestrictedDate"/> looks; no listed state restricts more than a few days in a row.</summary>
    public const int SearchLimitDays = 366;

    private static readonly FrozenDictionary<string, StateRestriction> ByState =
        TelemarketingHolidayData.States.ToFrozenDictionary(s => s.StateCode, StringComparer.OrdinalIgnoreCase);

    private static readonly ConcurrentDictionary<(string State, int Year), FrozenDictionary<LocalDate, string>> Tables = new();

    /// <summary>The restriction of <paramref name="stateCode"/> (any letter case), or null when the state has none.</summary>
    public static StateRestriction? For(string stateCode) => ByState.GetValueOrDefault(stateCode);

    /// <summary>
    /// Whether <paramref name="date"/> is a banned day in <paramref name="stateCode"/>, and which: the holiday's name
    /// (an observed date is "Independence Day (observed)") or "Sunday". A state without data is never restricted.
    /// When a Sunday is also a holiday, the holiday's name is given.
    /// </summary>
    public static (bool Restricted, string? HolidayName) IsRestricted(string stateCode, LocalDate date)
    {
        if (For(stateCode) is not { } restriction)
            return (false, null);
        if (TableFor(restriction, date.Year).TryGetValue(date, out var name))
            return (true, name);
        if (restriction.Sundays && date.DayOfWeek == IsoDayOfWeek.Sunday)
            return (true, "Sunday");
        return (false, null);
    }

    /// <summary>
    /// Whether <paramref name="date"/> is banned in ANY listed state, for a prospect whose state is unknown: the
    /// dialer does not guess a state, so it applies the union of every state's days. The name says which state's
    /// day it is ("Good Friday (LA)"), from the first listed state that restricts it.
    /// </summary>
    public static (bool Restricted, string? HolidayName) IsRestrictedInAnyListedState(LocalDate date)
    {
        foreach (var state in TelemarketingHolidayData.States)
        {
            var (restricted, name) = IsRestricted(state.StateCode, date);
            if (restricted)
                return (true, $"{name} ({state.StateCode})");
        }
        return (false, null);
    }

    /// <summary>
    /// The first date on or after <paramref name="from"/> that is not restricted in <paramref name="stateCode"/>
    /// (<paramref name="from"/> itself when it is free).
    /// </summary>
    public static LocalDate NextUnrestrictedDate(string stateCode, LocalDate from) =>
        NextFree(from, date => IsRestricted(stateCode, date).Restricted);

    /// <summary>The first date on or after <paramref name="from"/> free in every listed state (unknown-state prospects).</summary>
    public static LocalDate NextUnrestrictedDateInAnyListedState(LocalDate from) =>
        NextFree(from, date => IsRestrictedInAnyListedState(date).Restricted);

    /// <summary>Every restricted holiday date of <paramref name="stateCode"/> in <paramref name="year"/>, in date order (Sundays not listed).</summary>
    public static IReadOnlyList<(LocalDate Date, string Name)> HolidaysIn(string stateCode, int year) =>
        For(stateCode) is { } restriction
            ? TableFor(restriction, year).OrderBy(pair => pair.Key).Select(pair => (pair.Key, pair.Value)).ToArray()
            : [];

    private static LocalDate NextFree(LocalDate from, Func<LocalDate, bool> restricted)
    {
        var date = from;
        for (var i = 0; i < SearchLimitDays; i++, date = date.PlusDays(1))
        {
            if (!restricted(date))
                return date;
        }
        throw new InvalidOperationException($"No unrestricted date within {SearchLimitDays} days of {from}; the holiday data is wrong.");
    }

    /// <summary>
    /// The restricted dates that fall in <paramref name="year"/>, from the rules of the year before, the year and the
    /// year after (an observed date can cross New Year). The first name found for a date wins, in rule order.
    /// </summary>
    private static FrozenDictionary<LocalDate, string> TableFor(StateRestriction restriction, int year) =>
        Tables.GetOrAdd((restriction.StateCode, year), _ =>
        {
            var table = new Dictionary<LocalDate, string>();
            foreach (var ruleYear in new[] { year, year - 1, year + 1 })
            {
                foreach (var rule in restriction.Holidays)
                {
                    foreach (var (date, name) in rule.Dates(ruleYear))
                    {
                        if (date.Year == year)
                            table.TryAdd(date, name);
                    }
                }
            }
            return table.ToFrozenDictionary();
        });
}
