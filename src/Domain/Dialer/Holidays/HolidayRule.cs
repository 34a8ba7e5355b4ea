using NodaTime;

namespace Campaigns.Domain.Dialer.Holidays;

/// <summary>
/// Which other days a holiday is observed on when it falls on a weekend (or, for one Utah rule, mid-week). The
/// federal rule (5 U.S.C. 6103(b), and most state codes) is <see cref="Federal"/>: Saturday to the Friday before,
/// Sunday to the Monday after. The restriction applies to the actual date AND every observed date: a state that
/// bans calls "on a legal holiday" may mean either, and a missed call costs less than a violation.
/// </summary>
[Flags]
public enum Observance
{
    /// <summary>Only the date itself.</summary>
    None = 0,
    /// <summary>A Saturday holiday is also observed on the Friday before.</summary>
    SaturdayToFriday = 1,
    /// <summary>A Sunday holiday is also observed on the Monday after.</summary>
    SundayToMonday = 2,
    /// <summary>A Saturday holiday is also observed on the Monday after (Rhode Island state employees, R.I. Gen. Laws 25-1-1).</summary>
    SaturdayToMonday = 4,
    /// <summary>A Tuesday-to-Friday holiday is also observed on the Monday before (Utah's Juneteenth, Utah Code 63G-1-301(2)(c)).</summary>
    WeekdayToPrecedingMonday = 8,
    /// <summary>The federal rule, 5 U.S.C. 6103(b): Saturday to Friday, Sunday to Monday.</summary>
    Federal = SaturdayToFriday | SundayToMonday,
}

/// <summary>
/// How one holiday's date is found in a year, as data: a fixed month and day, the nth (or last) weekday of a month,
/// a day relative to Western (Gregorian) Easter, or the US general election day. A rule yields its actual date and
/// the dates it is observed on (<see cref="Observance"/>).
/// </summary>
public abstract record HolidayRule(string Name, Observance Observance)
{
    /// <summary>The holiday's own date in <paramref name="year"/>, or null when it does not occur that year.</summary>
    public abstract LocalDate? ActualDate(int year);

    /// <summary>
    /// The actual date (named <see cref="Name"/>) and every observed date (named "<see cref="Name"/> (observed)") of
    /// the holiday of <paramref name="year"/>. An observed date may fall in the next or previous calendar year
    /// (New Year's Day on a Saturday is observed on 31 December).
    /// </summary>
    public IEnumerable<(LocalDate Date, string Name)> Dates(int year)
    {
        if (ActualDate(year) is not { } date)
            yield break;
        yield return (date, Name);
        var observed = $"{Name} (observed)";
        var day = date.DayOfWeek;
        if (day == IsoDayOfWeek.Saturday && Observance.HasFlag(Observance.SaturdayToFriday))
            yield return (date.PlusDays(-1), observed);
        if (day == IsoDayOfWeek.Saturday && Observance.HasFlag(Observance.SaturdayToMonday))
            yield return (date.PlusDays(2), observed);
        if (day == IsoDayOfWeek.Sunday && Observance.HasFlag(Observance.SundayToMonday))
            yield return (date.PlusDays(1), observed);
        if (day is >= IsoDayOfWeek.Tuesday and <= IsoDayOfWeek.Friday && Observance.HasFlag(Observance.WeekdayToPrecedingMonday))
            yield return (date.PlusDays(-((int)day - (int)IsoDayOfWeek.Monday)), observed);
    }

    /// <summary>The same month and day every year (1 January, 4 July).</summary>
    public static HolidayRule Fixed(string name, int month, int day, Observance observance = Observance.Federal) =>
        new FixedDate(name, month, day, observance);

    /// <summary>The <paramref name="n"/>th <paramref name="weekday"/> of a month (1 to 4), or the last when n is -1.</summary>
    public static HolidayRule Nth(string name, int month, IsoDayOfWeek weekday, int n) => new NthWeekday(name, month, weekday, n);

    /// <summary>A day relative to Easter Sunday: -2 is Good Friday, -47 is Mardi Gras (Shrove Tuesday).</summary>
    public static HolidayRule FromEaster(string name, int offsetDays) => new EasterRelative(name, offsetDays);

    /// <summary>The Tuesday after the first Monday of November; every year, or only in even (state general election) years.</summary>
    public static HolidayRule ElectionDay(string name, bool evenYearsOnly) => new GeneralElectionDay(name, evenYearsOnly);

    private sealed record FixedDate(string Name, int Month, int Day, Observance Observance) : HolidayRule(Name, Observance)
    {
        public override LocalDate? ActualDate(int year) => new LocalDate(year, Month, Day);
    }

    private sealed record NthWeekday(string Name, int Month, IsoDayOfWeek Weekday, int N) : HolidayRule(Name, Observance.None)
    {
        public override LocalDate? ActualDate(int year)
        {
            if (N == -1)
            {
                var last = new LocalDate(year, Month, 1).PlusMonths(1).PlusDays(-1);
                return last.DayOfWeek == Weekday ? last : last.Previous(Weekday);
            }
            if (N is < 1 or > 4)
                throw new InvalidOperationException($"{Name}: n must be 1 to 4 or -1 (last), not {N}.");
            var first = new LocalDate(year, Month, 1);
            var firstMatch = first.DayOfWeek == Weekday ? first : first.Next(Weekday);
            return firstMatch.PlusWeeks(N - 1);
        }
    }

    private sealed record EasterRelative(string Name, int OffsetDays) : HolidayRule(Name, Observance.None)
    {
        public override LocalDate? ActualDate(int year) => EasterSunday(year).PlusDays(OffsetDays);
    }

    private sealed record GeneralElectionDay(string Name, bool EvenYearsOnly) : HolidayRule(Name, Observance.None)
    {
        public override LocalDate? ActualDate(int year)
        {
            if (EvenYearsOnly && year % 2 != 0)
                return null;
            var first = new LocalDate(year, 11, 1);
            var firstMonday = first.DayOfWeek == IsoDayOfWeek.Monday ? first : first.Next(IsoDayOfWeek.Monday);
            return firstMonday.PlusDays(1);
        }
    }

    /// <summary>Western Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).</summary>
    public static LocalDate EasterSunday(int year)
    {
        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = (19 * a + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + 2 * e + 2 * i - h - k) % 7;
        var m = (a + 11 * h + 22 * l) / 451;
        var month = (h + l - 7 * m + 114) / 31;
        var day = (h + l - 7 * m + 114) % 31 + 1;
        return new LocalDate(year, month, day);
    }
}
