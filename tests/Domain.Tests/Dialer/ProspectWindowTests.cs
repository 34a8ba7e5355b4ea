using Campaigns.Domain.Dialer;
using Campaigns.Domain.Dialer.Holidays;
using Campaigns.Domain.Scheduling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace Campaigns.Domain.Tests.Dialer;

public sealed class ProspectWindowTests
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly DateTimeZone LosAngeles = DateTimeZoneProviders.Tzdb["America/Los_Angeles"];
    private static readonly DateTimeZone Chicago = DateTimeZoneProviders.Tzdb["America/Chicago"];
    private static readonly DateTimeZone Denver = DateTimeZoneProviders.Tzdb["America/Denver"];
    private static readonly DateTimeZone Kolkata = DateTimeZoneProviders.Tzdb["Asia/Kolkata"];
    private static readonly LegalHours Us = LegalHours.UsDefault;
    private static readonly DialerSettings Defaults = new() { Name = "Reminders" }; // 09:00-21:00, filter_holidays on
    private static readonly Instant LongAgo = Instant.FromUtc(2026, 1, 1, 0, 0); // expires (90 days) on 1 April 2026

    private static Instant At(DateTimeZone zone, int year, int month, int day, int hour, int minute = 0) =>
        new LocalDateTime(year, month, day, hour, minute).InZoneLeniently(zone).ToInstant();

    private static ProspectDecision Decide(Instant now, string? state = "NY", DialerSettings? settings = null, CampaignSchedule? schedule = null,
        Instant? importedAt = null, params DateTimeZone[] zones) =>
        ProspectWindow.Decide(new ProspectFacts(zones.Length == 0 ? [NewYork] : zones, state, importedAt ?? now - Duration.FromDays(1)), settings ?? Defaults, Us, schedule, now);

    [Theory]
    [InlineData(8, 59, false)]
    [InlineData(9, 0, true)]
    [InlineData(14, 0, true)]
    [InlineData(20, 58, true)]
    [InlineData(20, 59, false)] // closes within the placement lead (CallingWindow.PlacementLead)
    [InlineData(21, 0, false)]
    public void Decide_ProspectHoursAreHalfOpen(int hour, int minute, bool dial)
    {
        Assert.Equal(dial, Decide(At(NewYork, 2026, 3, 2, hour, minute)) is ProspectDecision.DialNow);
    }

    [Fact]
    public void Decide_InsideLegalHoursBeforeEarliest_WaitsForEarliestAsOutsideProspectHours()
    {
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 8, 30)));
        Assert.Equal(At(NewYork, 2026, 3, 2, 9, 0), wait.Until);
        Assert.Equal(ProspectWaitReason.OutsideProspectHours, wait.Reason);
        Assert.Equal("outside_prospect_hours", wait.Reason.ToWire());
    }

    [Fact]
    public void Decide_BeforeLegalHours_WaitsAsOutsideLegalHours()
    {
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 7, 30)));
        Assert.Equal(At(NewYork, 2026, 3, 2, 9, 0), wait.Until);
        Assert.Equal(ProspectWaitReason.OutsideLegalHours, wait.Reason);
    }

    [Fact]
    public void Decide_ExactlyAtLatest_WaitsUntilNextDaysEarliest()
    {
        var settings = Defaults with { LatestProspectTime = new LocalTime(20, 0) };
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 20, 0), settings: settings));
        Assert.Equal(At(NewYork, 2026, 3, 3, 9, 0), wait.Until);
        Assert.Equal(ProspectWaitReason.OutsideProspectHours, wait.Reason);
        Assert.IsType<ProspectDecision.DialNow>(Decide(At(NewYork, 2026, 3, 2, 20, 0) - CallingWindow.PlacementLead, settings: settings));
        Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 20, 0) - Duration.Epsilon, settings: settings)); // within the lead
    }

    [Fact]
    public void Decide_ProspectHoursWiderThanLegalHours_LegalHoursWin()
    {
        var settings = Defaults with { EarliestProspectTime = new LocalTime(6, 0), LatestProspectTime = new LocalTime(23, 0) };
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 7, 0), settings: settings));
        Assert.Equal(At(NewYork, 2026, 3, 2, 8, 0), wait.Until);
        Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 21, 0), settings: settings));
    }

    [Fact]
    public void Decide_SpringForwardMorning_WaitsUntilNineDaylightTime()
    {
        // 2026-03-08: New York jumps from 02:00 EST to 03:00 EDT; 09:00 EDT is 13:00 UTC, not 14:00.
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(Instant.FromUtc(2026, 3, 8, 6, 0)));
        Assert.Equal(Instant.FromUtc(2026, 3, 8, 13, 0), wait.Until);
        Assert.Equal(ProspectWaitReason.OutsideLegalHours, wait.Reason);
    }

    [Fact]
    public void Decide_EarliestInsideTheSpringForwardGap_MovesForwardByTheGap()
    {
        // With round-the-clock legal hours, an earliest of 02:30 does not exist on 2026-03-08: it becomes 03:30 EDT.
        var allDay = new LegalHours(new LocalTime(0, 0), new LocalTime(23, 59));
        var settings = Defaults with { EarliestProspectTime = new LocalTime(2, 30) };
        var decision = ProspectWindow.Decide(new ProspectFacts([NewYork], "NY", LongAgo), settings, allDay, null, Instant.FromUtc(2026, 3, 8, 6, 0));
        Assert.Equal(Instant.FromUtc(2026, 3, 8, 7, 30), Assert.IsType<ProspectDecision.Wait>(decision).Until);
    }

    [Fact]
    public void Decide_FallBackEvening_ClosesAtNineLocalStandardTime()
    {
        // 2026-11-01: New York falls back at 02:00; 21:00 EST is 02:00 UTC on 2 November.
        Assert.IsType<ProspectDecision.DialNow>(Decide(Instant.FromUtc(2026, 11, 2, 1, 58)));
        Assert.IsType<ProspectDecision.Wait>(Decide(Instant.FromUtc(2026, 11, 2, 1, 59))); // within the placement lead
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(Instant.FromUtc(2026, 11, 2, 2, 0)));
        Assert.Equal(Instant.FromUtc(2026, 11, 2, 14, 0), wait.Until); // 09:00 EST
        // On the fall-back morning itself, 09:00 EST is 14:00 UTC (it was 13:00 UTC the day before).
        Assert.Equal(Instant.FromUtc(2026, 11, 1, 14, 0), Assert.IsType<ProspectDecision.Wait>(Decide(Instant.FromUtc(2026, 11, 1, 5, 30))).Until);
    }

    [Fact]
    public void Decide_TwoZones_DialsOnlyWhileBothAreInsideTheProspectHours()
    {
        // 09:30 in New York is 06:30 in Los Angeles: wait for 09:00 in Los Angeles (17:00 UTC).
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 9, 30), state: "CA", zones: [NewYork, LosAngeles]));
        Assert.Equal(At(LosAngeles, 2026, 3, 2, 9, 0), wait.Until);
        Assert.Equal(ProspectWaitReason.OutsideLegalHours, wait.Reason);
        // 11:30 in New York is 08:30 in Los Angeles: legal there, but before earliest.
        Assert.Equal(ProspectWaitReason.OutsideProspectHours,
            Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 11, 30), state: "CA", zones: [NewYork, LosAngeles])).Reason);
        Assert.IsType<ProspectDecision.DialNow>(Decide(At(NewYork, 2026, 3, 2, 18, 0), state: "CA", zones: [NewYork, LosAngeles]));
        // 21:00 in New York closes it although Los Angeles is at 18:00; next opening is 09:00 LA tomorrow.
        var closed = Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 21, 0), state: "CA", zones: [NewYork, LosAngeles]));
        Assert.Equal(At(LosAngeles, 2026, 3, 3, 9, 0), closed.Until);
    }

    [Fact]
    public void Decide_OnAHoliday_WaitsForTheNextUnrestrictedDay()
    {
        // Pioneer Day, Friday 24 July 2026, in Utah: next is Saturday 25 July at 09:00 (Saturdays are allowed).
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(At(Denver, 2026, 7, 24, 10, 0), state: "UT", zones: [Denver]));
        Assert.Equal(At(Denver, 2026, 7, 25, 9, 0), wait.Until);
        Assert.Equal(ProspectWaitReason.Holiday, wait.Reason);
        Assert.Equal("Pioneer Day", wait.Holiday);
        Assert.Equal("holiday", wait.Reason.ToWire());
    }

    [Fact]
    public void Decide_ObservedFridayThenWeekend_WaitsUntilMonday()
    {
        // Alabama, 2026: Fri 3 July (observed), Sat 4 July (actual), Sun 5 July (Sunday): Monday 6 July 09:00.
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(At(Chicago, 2026, 7, 3, 10, 0), state: "AL", zones: [Chicago]));
        Assert.Equal(At(Chicago, 2026, 7, 6, 9, 0), wait.Until);
        Assert.Equal("Independence Day (observed)", wait.Holiday);
    }

    [Fact]
    public void Decide_EveningBeforeAHoliday_IsOutsideHoursAndSkipsTheHoliday()
    {
        var wait = Assert.IsType<ProspectDecision.Wait>(Decide(At(Chicago, 2026, 7, 2, 21, 30), state: "AL", zones: [Chicago]));
        Assert.Equal(At(Chicago, 2026, 7, 6, 9, 0), wait.Until);
        Assert.Equal(ProspectWaitReason.OutsideLegalHours, wait.Reason);
        Assert.Null(wait.Holiday);
    }

    [Fact]
    public void Decide_FilterHolidaysOff_DialsOnHolidaysAndSundays()
    {
        var settings = Defaults with { FilterHolidays = false };
        Assert.IsType<ProspectDecision.DialNow>(Decide(At(Chicago, 2026, 7, 3, 10, 0), state: "AL", settings: settings, zones: [Chicago]));
        Assert.IsType<ProspectDecision.DialNow>(Decide(At(Chicago, 2026, 7, 5, 10, 0), state: "AL", settings: settings, zones: [Chicago]));
    }

    [Fact]
    public void Decide_StateWithoutRestrictions_DialsOnHolidays()
    {
        Assert.IsType<ProspectDecision.DialNow>(Decide(At(NewYork, 2026, 12, 25, 10, 0), state: "NY"));
    }

    [Fact]
    public void Decide_UnknownState_AppliesEveryListedStatesDays()
    {
        var goodFriday = Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 4, 3, 10, 0), state: null));
        Assert.Equal(At(NewYork, 2026, 4, 4, 9, 0), goodFriday.Until);
        Assert.Equal("Good Friday (LA)", goodFriday.Holiday);
        var sunday = Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 1, 10, 0), state: null));
        Assert.Equal(At(NewYork, 2026, 3, 2, 9, 0), sunday.Until);
        Assert.Equal("Sunday (AL)", sunday.Holiday);
    }

    [Fact]
    public void Decide_HolidayIsTheLocalDateInEachZone()
    {
        // Pioneer Day is Friday 24 July in each zone's own calendar. The evening before is dialable in Denver.
        var honolulu = DateTimeZoneProviders.Tzdb["Pacific/Honolulu"];
        var eveningBefore = Decide(At(Denver, 2026, 7, 23, 17, 30), state: "UT", zones: [Denver]);
        Assert.IsType<ProspectDecision.DialNow>(eveningBefore);
        // A number that may be in Denver or Honolulu: at 12:00 Friday in Denver (08:00 in Honolulu) it is Friday in both,
        // a holiday; the next moment inside both windows on a free day is Saturday 09:00 in Honolulu.
        var both = Assert.IsType<ProspectDecision.Wait>(Decide(At(Denver, 2026, 7, 24, 12, 0), state: "UT", zones: [Denver, honolulu]));
        Assert.Equal(ProspectWaitReason.Holiday, both.Reason);
        Assert.Equal(At(honolulu, 2026, 7, 25, 9, 0), both.Until); // Saturday: 09:00 Honolulu is 13:00 Denver.
    }

    [Fact]
    public void Decide_IgnoredState_IsNever()
    {
        var settings = Defaults with { IgnoreStates = StateCodeList.Parse("NY, ut") };
        var never = Assert.IsType<ProspectDecision.Never>(Decide(At(Denver, 2026, 3, 2, 10, 0), state: "ut", settings: settings, zones: [Denver]));
        Assert.Equal(ProspectNeverReason.IgnoredState, never.Reason);
        Assert.Equal("ignored_state", never.Reason.ToWire());
        Assert.IsType<ProspectDecision.DialNow>(Decide(At(NewYork, 2026, 3, 2, 10, 0), state: "NJ", settings: settings));
        Assert.IsType<ProspectDecision.DialNow>(Decide(At(NewYork, 2026, 3, 2, 10, 0), state: "TX", settings: settings));
    }

    [Fact]
    public void Decide_AtImportedAtPlusExpireDays_IsNeverExpired()
    {
        var importedAt = At(NewYork, 2026, 3, 2, 12, 0);
        var expiry = importedAt + Duration.FromDays(90);
        var never = Assert.IsType<ProspectDecision.Never>(Decide(expiry, importedAt: importedAt));
        Assert.Equal(ProspectNeverReason.Expired, never.Reason);
        Assert.Equal("expired", never.Reason.ToWire());
        Assert.IsType<ProspectDecision.DialNow>(Decide(expiry - Duration.Epsilon, importedAt: importedAt));
    }

    [Fact]
    public void Decide_ExpiringBeforeTheNextOpening_IsNeverExpired()
    {
        var settings = Defaults with { ExpireDays = 1 };
        // Imported 22:00 Monday; expires 22:00 Tuesday. At 21:30 Tuesday the next opening is Wednesday 09:00.
        var importedAt = At(NewYork, 2026, 3, 2, 22, 0);
        Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 23, 0), settings: settings, importedAt: importedAt));
        var never = Assert.IsType<ProspectDecision.Never>(Decide(At(NewYork, 2026, 3, 3, 21, 30), settings: settings, importedAt: importedAt));
        Assert.Equal(ProspectNeverReason.Expired, never.Reason);
    }

    [Fact]
    public void Decide_ProspectHoursOutsideLegalHours_IsNeverNoCommonHours()
    {
        var settings = Defaults with { EarliestProspectTime = new LocalTime(21, 0), LatestProspectTime = new LocalTime(23, 0) };
        var never = Assert.IsType<ProspectDecision.Never>(Decide(At(NewYork, 2026, 3, 2, 10, 0), settings: settings));
        Assert.Equal(ProspectNeverReason.NoCommonHours, never.Reason);
        Assert.Equal("no_common_hours", never.Reason.ToWire());
    }

    [Fact]
    public void Decide_ZonesThatNeverShareProspectHours_IsNeverNoCommonHours()
    {
        var settings = Defaults with { LatestProspectTime = new LocalTime(17, 0) };
        var never = Assert.IsType<ProspectDecision.Never>(Decide(Instant.FromUtc(2026, 3, 2, 0, 0), state: null, settings: settings, zones: [NewYork, Kolkata]));
        Assert.Equal(ProspectNeverReason.NoCommonHours, never.Reason);
    }

    [Fact]
    public void Decide_Schedule_WaitsForItsStartAndEndsWithIt()
    {
        var schedule = CampaignSchedule.Create(new LocalDateTime(2026, 3, 3, 12, 0), new LocalDateTime(2026, 3, 5, 12, 0), NewYork);
        var before = Assert.IsType<ProspectDecision.Wait>(Decide(At(NewYork, 2026, 3, 2, 10, 0), schedule: schedule));
        Assert.Equal(schedule.StartInstant, before.Until);
        Assert.Equal(ProspectWaitReason.BeforeSchedule, before.Reason);
        Assert.Equal("before_schedule", before.Reason.ToWire());
        var ended = Assert.IsType<ProspectDecision.Never>(Decide(schedule.EndInstant, schedule: schedule));
        Assert.Equal(ProspectNeverReason.ScheduleEnded, ended.Reason);
    }

    [Fact]
    public void Decide_NoZone_IsNeverUnknownZone()
    {
        var decision = ProspectWindow.Decide(new ProspectFacts([], "NY", LongAgo), Defaults, Us, null, At(NewYork, 2026, 3, 2, 10, 0));
        Assert.Equal(ProspectNeverReason.UnknownZone, Assert.IsType<ProspectDecision.Never>(decision).Reason);
    }

    public static Arbitrary<Instant> Instants() =>
        Gen.Choose(0, 2 * 366 * 24 * 4).Select(quarterHours => Instant.FromUtc(2025, 12, 20, 0, 0) + Duration.FromMinutes(quarterHours * 15 + 7)).ToArbitrary();

    private static readonly (DateTimeZone[] Zones, string? State, DialerSettings Settings)[] Scenarios =
    [
        ([NewYork], "NY", Defaults),
        ([NewYork, LosAngeles], "CA", Defaults with { EarliestProspectTime = new LocalTime(10, 0), LatestProspectTime = new LocalTime(18, 30) }),
        ([Chicago], "AL", Defaults),
        ([Denver], "UT", Defaults with { LatestProspectTime = new LocalTime(20, 0) }),
        ([NewYork], "RI", Defaults with { EarliestProspectTime = new LocalTime(8, 0) }),
        ([NewYork, Chicago], null, Defaults),
        ([Chicago], "LA", Defaults with { FilterHolidays = false }),
        ([NewYork], "PA", Defaults with { IgnoreStates = StateCodeList.Parse("PA") }),
    ];

    /// <summary>Inside legal hours, prospect hours and (when filtered) not on a restricted day, in every zone.</summary>
    private static bool Dialable(DateTimeZone[] zones, string? state, DialerSettings settings, Instant t) =>
        zones.All(zone =>
        {
            var local = t.InZone(zone);
            var time = local.TimeOfDay;
            var restricted = settings.FilterHolidays && (state is null
                ? TelemarketingHolidays.IsRestrictedInAnyListedState(local.Date).Restricted
                : TelemarketingHolidays.IsRestricted(state, local.Date).Restricted);
            return time >= Us.Start && time < Us.End && time >= settings.EarliestProspectTime && time < settings.LatestProspectTime && !restricted;
        }) && !settings.IgnoreStates.Contains(state);

    [Property(MaxTest = 300, Arbitrary = [typeof(ProspectWindowTests)])]
    public Property Decide_NeverDialsOutsideAWindowAndWaitsOnlyUntilADialableInstant(Instant now)
    {
        return Scenarios.All(scenario =>
        {
            var (zones, state, settings) = scenario;
            var facts = new ProspectFacts(zones, state, now - Duration.FromDays(1));
            return ProspectWindow.Decide(facts, settings, Us, null, now) switch
            {
                ProspectDecision.DialNow => Dialable(zones, state, settings, now),
                ProspectDecision.Wait wait => !Dialable(zones, state, settings, now)
                    && wait.Until > now
                    && Dialable(zones, state, settings, wait.Until)
                    && ProspectWindow.Decide(facts, settings, Us, null, wait.Until) is ProspectDecision.DialNow
                    && !Dialable(zones, state, settings, wait.Until - Duration.FromMinutes(1)),
                ProspectDecision.Never never => never.Reason == ProspectNeverReason.IgnoredState && settings.IgnoreStates.Contains(state),
                _ => false,
            };
        }).ToProperty();
    }
}
