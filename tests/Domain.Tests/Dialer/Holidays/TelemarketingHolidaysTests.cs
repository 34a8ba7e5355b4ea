using System.Globalization;
using Campaigns.Domain.Dialer;
using Campaigns.Domain.Dialer.Holidays;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace Campaigns.Domain.Tests.Dialer.Holidays;

public sealed class TelemarketingHolidaysTests
{
    private static LocalDate D(string iso) => LocalDate.FromDateTime(DateTime.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture));

    /// <summary>
    /// Every restricted holiday date (Sundays aside) per state and year, worked out by hand from the calendar:
    /// 2026 starts on a Thursday, 2027 on a Friday; Easter is 5 April 2026 and 28 March 2027.
    /// </summary>
    public static TheoryData<string, int, string> ExpectedHolidays => new()
    {
        { "AL", 2026, "01-01 01-19 02-16 02-17 04-27 05-25 06-01 07-03 07-04 09-07 10-12 11-11 11-26 12-01 12-25" },
        { "AL", 2027, "01-01 01-18 02-09 02-15 04-26 05-31 06-07 07-04 07-05 09-06 10-11 11-11 11-25 12-01 12-24 12-25 12-31" },
        { "LA", 2026, "01-01 01-08 01-19 02-16 02-17 04-03 05-25 06-03 07-03 07-04 09-07 10-12 11-01 11-02 11-11 11-26 12-25" },
        { "LA", 2027, "01-01 01-08 01-18 01-19 02-09 02-15 03-26 05-31 06-03 07-04 07-05 09-06 10-11 11-01 11-11 11-25 12-24 12-25 12-31" },
        { "MS", 2026, "" },
        { "MS", 2027, "" },
        { "PA", 2026, "01-01 01-19 02-16 04-03 05-25 06-14 06-15 07-03 07-04 09-07 10-12 11-03 11-11 11-26 12-25" },
        { "PA", 2027, "01-01 01-18 02-15 03-26 05-31 06-14 07-04 07-05 09-06 10-11 11-02 11-11 11-25 12-24 12-25 12-31" },
        { "RI", 2026, "01-01 01-19 02-16 05-04 05-25 06-19 07-03 07-04 07-06 08-10 09-07 10-12 11-03 11-11 11-26 12-25" },
        { "RI", 2027, "01-01 01-18 02-15 05-04 05-31 06-18 06-19 07-04 07-05 08-09 09-06 10-11 11-11 11-25 12-24 12-25 12-27 12-31" },
        { "UT", 2026, "01-01 01-19 02-16 04-03 05-25 06-15 06-19 07-03 07-04 07-24 09-07 10-12 11-11 11-26 12-25" },
        { "UT", 2027, "01-01 01-18 02-15 03-26 05-31 06-19 06-21 07-04 07-05 07-23 07-24 09-06 10-11 11-11 11-25 12-24 12-25 12-31" },
    };

    [Theory]
    [MemberData(nameof(ExpectedHolidays))]
    public void HolidaysIn_EveryRuleOf2026And2027_FallsOnItsRealCalendarDates(string state, int year, string monthDays)
    {
        var expected = monthDays.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(md => D($"{year}-{md}")).ToArray();
        var actual = TelemarketingHolidays.HolidaysIn(state, year).Select(h => h.Date).ToArray();
        Assert.Equal(expected, actual);
        foreach (var date in expected)
            Assert.True(TelemarketingHolidays.IsRestricted(state, date).Restricted, $"{state} {date}");
    }

    [Theory]
    [InlineData("AL", "2026-01-19", "Martin Luther King Jr. / Robert E. Lee Day")]
    [InlineData("UT", "2026-02-16", "Washington and Lincoln Day (Presidents' Day)")]
    [InlineData("LA", "2026-02-17", "Mardi Gras")]
    [InlineData("LA", "2026-04-03", "Good Friday")]
    [InlineData("PA", "2027-03-26", "Good Friday")]
    [InlineData("AL", "2026-04-27", "Confederate Memorial Day")]
    [InlineData("PA", "2026-05-25", "Memorial Day")]
    [InlineData("AL", "2026-06-01", "Jefferson Davis' Birthday")]
    [InlineData("PA", "2026-06-14", "Flag Day")]
    [InlineData("PA", "2026-06-15", "Flag Day (observed)")]
    [InlineData("RI", "2026-06-19", "Juneteenth")]
    [InlineData("UT", "2026-06-15", "Juneteenth National Freedom Day (observed)")]
    [InlineData("UT", "2027-06-21", "Juneteenth National Freedom Day (observed)")]
    [InlineData("RI", "2027-06-18", "Juneteenth (observed)")]
    [InlineData("UT", "2026-07-03", "Independence Day (observed)")]
    [InlineData("UT", "2026-07-04", "Independence Day")]
    [InlineData("RI", "2026-07-06", "Independence Day (observed)")]
    [InlineData("AL", "2027-07-05", "Independence Day (observed)")]
    [InlineData("UT", "2026-07-24", "Pioneer Day")]
    [InlineData("UT", "2027-07-23", "Pioneer Day (observed)")]
    [InlineData("RI", "2026-08-10", "Victory Day")]
    [InlineData("PA", "2026-09-07", "Labor Day")]
    [InlineData("LA", "2026-10-12", "Columbus Day")]
    [InlineData("LA", "2026-11-02", "All Saints' Day (observed)")]
    [InlineData("RI", "2026-11-03", "Election Day")]
    [InlineData("PA", "2027-11-02", "Election Day")]
    [InlineData("UT", "2026-11-11", "Veterans Day")]
    [InlineData("UT", "2026-11-26", "Thanksgiving Day")]
    [InlineData("AL", "2026-12-01", "Rosa L. Parks Day")]
    [InlineData("LA", "2027-12-24", "Christmas Day (observed)")]
    [InlineData("RI", "2027-12-27", "Christmas Day (observed)")]
    [InlineData("PA", "2027-12-31", "New Year's Day (observed)")]
    [InlineData("RI", "2028-01-03", "New Year's Day (observed)")]
    public void IsRestricted_NamesTheHoliday(string state, string date, string name)
    {
        Assert.Equal((true, name), TelemarketingHolidays.IsRestricted(state, D(date)));
    }

    [Fact]
    public void IsRestricted_July4th2026IsASaturday_FridayIsObservedAndMondayOnlyInRhodeIsland()
    {
        Assert.Equal(IsoDayOfWeek.Saturday, D("2026-07-04").DayOfWeek);
        foreach (var state in new[] { "AL", "LA", "PA", "RI", "UT" })
        {
            Assert.True(TelemarketingHolidays.IsRestricted(state, D("2026-07-03")).Restricted, state);
            Assert.True(TelemarketingHolidays.IsRestricted(state, D("2026-07-04")).Restricted, state);
        }
        Assert.True(TelemarketingHolidays.IsRestricted("RI", D("2026-07-06")).Restricted);
        Assert.False(TelemarketingHolidays.IsRestricted("AL", D("2026-07-06")).Restricted);
        Assert.False(TelemarketingHolidays.IsRestricted("UT", D("2026-07-02")).Restricted);
    }

    [Theory]
    [InlineData("AL", true)]
    [InlineData("LA", true)]
    [InlineData("MS", true)]
    [InlineData("RI", true)]
    [InlineData("UT", true)]
    [InlineData("PA", false)]
    public void IsRestricted_SundayFollowsTheStatesFlag(string state, bool sundays)
    {
        var sunday = D("2026-03-01");
        Assert.Equal(IsoDayOfWeek.Sunday, sunday.DayOfWeek);
        Assert.Equal(sundays ? (true, "Sunday") : (false, null), TelemarketingHolidays.IsRestricted(state, sunday));
    }

    [Fact]
    public void IsRestricted_Mississippi_NoLongerRestrictsHolidays()
    {
        Assert.False(TelemarketingHolidays.IsRestricted("MS", D("2026-12-25")).Restricted);
        Assert.False(TelemarketingHolidays.IsRestricted("MS", D("2026-07-03")).Restricted);
    }

    [Fact]
    public void IsRestricted_LetterCaseOfTheCodeDoesNotMatter()
    {
        Assert.Equal(TelemarketingHolidays.IsRestricted("UT", D("2026-07-24")), TelemarketingHolidays.IsRestricted("ut", D("2026-07-24")));
    }

    [Fact]
    public void IsRestricted_StatesWithoutData_AreNeverRestrictedIn2026And2027()
    {
        var listed = TelemarketingHolidayData.States.Select(s => s.StateCode).ToHashSet();
        var unlisted = StateCodes.All.Where(code => !listed.Contains(code)).Append("ZZ").ToArray();
        Assert.Contains("NY", unlisted);
        Assert.Contains("ON", unlisted);
        for (var date = D("2026-01-01"); date < D("2028-01-01"); date = date.PlusDays(1))
        {
            foreach (var state in unlisted)
                Assert.False(TelemarketingHolidays.IsRestricted(state, date).Restricted, $"{state} {date}");
        }
    }

    [Fact]
    public void IsRestricted_OrdinaryWeekday_IsFreeEverywhere()
    {
        var tuesday = D("2026-03-10");
        foreach (var state in TelemarketingHolidayData.States)
            Assert.Equal((false, null), TelemarketingHolidays.IsRestricted(state.StateCode, tuesday));
        Assert.Equal((false, null), TelemarketingHolidays.IsRestrictedInAnyListedState(tuesday));
    }

    [Fact]
    public void IsRestrictedInAnyListedState_IsTheUnionAndSaysWhichState()
    {
        Assert.Equal((true, "Sunday (AL)"), TelemarketingHolidays.IsRestrictedInAnyListedState(D("2026-03-01")));
        Assert.Equal((true, "Good Friday (LA)"), TelemarketingHolidays.IsRestrictedInAnyListedState(D("2026-04-03")));
        Assert.Equal((true, "Flag Day (observed) (PA)"), TelemarketingHolidays.IsRestrictedInAnyListedState(D("2026-06-15")));
        Assert.Equal((true, "Victory Day (RI)"), TelemarketingHolidays.IsRestrictedInAnyListedState(D("2026-08-10")));
        Assert.Equal((true, "Pioneer Day (UT)"), TelemarketingHolidays.IsRestrictedInAnyListedState(D("2026-07-24")));
    }

    [Theory]
    [InlineData("AL", "2026-07-03", "2026-07-06")] // observed Friday, the Saturday itself, Sunday
    [InlineData("RI", "2026-07-03", "2026-07-07")] // ... and Rhode Island's Monday
    [InlineData("PA", "2026-07-03", "2026-07-05")] // Pennsylvania does not restrict Sundays
    [InlineData("UT", "2026-07-24", "2026-07-25")]
    [InlineData("UT", "2026-07-22", "2026-07-22")]
    [InlineData("LA", "2026-10-31", "2026-10-31")] // a Saturday, then All Saints' on Sunday and observed Monday
    [InlineData("LA", "2026-11-01", "2026-11-03")]
    [InlineData("NY", "2026-12-25", "2026-12-25")]
    public void NextUnrestrictedDate_SkipsEveryRestrictedDayInARow(string state, string from, string expected)
    {
        Assert.Equal(D(expected), TelemarketingHolidays.NextUnrestrictedDate(state, D(from)));
    }

    [Fact]
    public void NextUnrestrictedDateInAnyListedState_SkipsTheUnion()
    {
        // Sat 13 June 2026 is free; Sun 14 is Sunday; Mon 15 is Flag Day observed (PA) and Juneteenth observed (UT).
        Assert.Equal(D("2026-06-13"), TelemarketingHolidays.NextUnrestrictedDateInAnyListedState(D("2026-06-13")));
        Assert.Equal(D("2026-06-16"), TelemarketingHolidays.NextUnrestrictedDateInAnyListedState(D("2026-06-14")));
    }

    [Theory]
    [InlineData(2008, "2008-03-23")]
    [InlineData(2019, "2019-04-21")]
    [InlineData(2024, "2024-03-31")]
    [InlineData(2025, "2025-04-20")]
    [InlineData(2026, "2026-04-05")]
    [InlineData(2027, "2027-03-28")]
    [InlineData(2038, "2038-04-25")]
    public void EasterSunday_MatchesTheCalendar(int year, string expected)
    {
        Assert.Equal(D(expected), HolidayRule.EasterSunday(year));
    }

    [Fact]
    public void Data_EveryStateIsKnownCitedAndListedOnce()
    {
        var states = TelemarketingHolidayData.States;
        Assert.Equal(["AL", "LA", "MS", "PA", "RI", "UT"], states.Select(s => s.StateCode));
        foreach (var state in states)
        {
            Assert.True(StateCodes.IsKnown(state.StateCode));
            Assert.False(string.IsNullOrWhiteSpace(state.Citation));
            Assert.False(string.IsNullOrWhiteSpace(state.Note));
            Assert.Equal(state.Holidays.Count, state.Holidays.Select(h => h.Name).Distinct().Count());
        }
    }

    public static Arbitrary<LocalDate> Dates() =>
        Gen.Choose(0, 30 * 366).Select(days => new LocalDate(2020, 1, 1).PlusDays(days)).ToArbitrary();

    [Property(MaxTest = 300, Arbitrary = [typeof(TelemarketingHolidaysTests)])]
    public Property NextUnrestrictedDate_IsFreeAndEveryDayBeforeItIsRestricted(LocalDate from)
    {
        return TelemarketingHolidayData.States.Select(s => s.StateCode).Append("NY").All(state =>
        {
            var next = TelemarketingHolidays.NextUnrestrictedDate(state, from);
            if (next < from || TelemarketingHolidays.IsRestricted(state, next).Restricted || Period.Between(from, next, PeriodUnits.Days).Days > 7)
                return false;
            for (var d = from; d < next; d = d.PlusDays(1))
            {
                if (!TelemarketingHolidays.IsRestricted(state, d).Restricted)
                    return false;
            }
            return true;
        }).ToProperty();
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(TelemarketingHolidaysTests)])]
    public Property IsRestricted_EveryFixedDateHolidayIsRestrictedEveryYear(LocalDate date)
    {
        // New Year's, Independence and Christmas Day are restricted on their own date in every listed state but MS.
        var year = date.Year;
        return new[] { "AL", "LA", "PA", "RI", "UT" }.All(state =>
            TelemarketingHolidays.IsRestricted(state, new LocalDate(year, 1, 1)).Restricted
            && TelemarketingHolidays.IsRestricted(state, new LocalDate(year, 7, 4)).Restricted
            && TelemarketingHolidays.IsRestricted(state, new LocalDate(year, 12, 25)).Restricted).ToProperty();
    }
}
