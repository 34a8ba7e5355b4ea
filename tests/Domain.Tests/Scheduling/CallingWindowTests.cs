using Campaigns.Domain.Contacts;
using Campaigns.Domain.Scheduling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace Campaigns.Domain.Tests.Scheduling;

public sealed class CallingWindowTests
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly DateTimeZone LosAngeles = DateTimeZoneProviders.Tzdb["America/Los_Angeles"];
    private static readonly DateTimeZone Kolkata = DateTimeZoneProviders.Tzdb["Asia/Kolkata"];
    private static readonly LegalHours Us = LegalHours.UsDefault;

    private static Instant At(DateTimeZone zone, int year, int month, int day, int hour, int minute = 0) =>
        new LocalDateTime(year, month, day, hour, minute).InZoneLeniently(zone).ToInstant();

    [Theory]
    [InlineData(7, 59, false)]
    [InlineData(8, 0, true)]
    [InlineData(12, 0, true)]
    [InlineData(20, 58, true)] // the window stays open for the placement lead (2 minutes)
    [InlineData(20, 59, false)] // it would not: see Decide_ClosingWithinThePlacementLead_WaitsForTheNextOpening
    [InlineData(21, 0, false)]
    [InlineData(23, 30, false)]
    public void Decide_LegalHoursAreHalfOpenInTheContactsZone(int hour, int minute, bool callable)
    {
        var decision = CallingWindow.Decide([NewYork], Us, null, At(NewYork, 2026, 3, 2, hour, minute));
        Assert.Equal(callable, decision is WindowDecision.DialNow);
    }

    [Fact]
    public void Decide_AfterHours_WaitsUntilEightNextMorning()
    {
        var decision = Assert.IsType<WindowDecision.Wait>(CallingWindow.Decide([NewYork], Us, null, At(NewYork, 2026, 3, 2, 21, 0)));
        Assert.Equal(At(NewYork, 2026, 3, 3, 8, 0), decision.Until);
        Assert.Equal(WaitReason.OutsideLegalHours, decision.Reason);
    }

    [Fact]
    public void Decide_SpringForwardNight_WaitsUntilEightDaylightTime()
    {
        // 2026-03-08: New York jumps from 02:00 EST to 03:00 EDT; 08:00 that morning is 12:00 UTC, not 13:00.
        var decision = Assert.IsType<WindowDecision.Wait>(CallingWindow.Decide([NewYork], Us, null, Instant.FromUtc(2026, 3, 8, 6, 0)));
        Assert.Equal(Instant.FromUtc(2026, 3, 8, 12, 0), decision.Until);
    }

    [Fact]
    public void Decide_FallBackEvening_ClosesAtNineLocalTime()
    {
        // 2026-11-01: New York falls back at 02:00; 21:00 EST that evening is 02:00 UTC on 2 November.
        Assert.IsType<WindowDecision.DialNow>(CallingWindow.Decide([NewYork], Us, null, Instant.FromUtc(2026, 11, 2, 1, 58)));
        Assert.IsType<WindowDecision.Wait>(CallingWindow.Decide([NewYork], Us, null, Instant.FromUtc(2026, 11, 2, 1, 59)));
        Assert.IsType<WindowDecision.Wait>(CallingWindow.Decide([NewYork], Us, null, Instant.FromUtc(2026, 11, 2, 2, 0)));
    }

    [Fact]
    public void Decide_ClosingWithinThePlacementLead_WaitsForTheNextOpening()
    {
        // 20:59 in New York: open now, but a call decided now may be placed up to two minutes later, past 21:00.
        var decision = Assert.IsType<WindowDecision.Wait>(CallingWindow.Decide([NewYork], Us, null, At(NewYork, 2026, 3, 2, 20, 59)));
        Assert.Equal(At(NewYork, 2026, 3, 3, 8, 0), decision.Until);
        Assert.Equal(WaitReason.OutsideLegalHours, decision.Reason);
    }

    [Fact]
    public void Decide_TheScheduleEndingWithinThePlacementLead_IsNeverBecauseTheScheduleEnded()
    {
        var schedule = CampaignSchedule.Create(new LocalDateTime(2026, 3, 2, 11, 0), new LocalDateTime(2026, 3, 2, 15, 0), NewYork);
        var end = schedule.EndInstant;
        var decision = CallingWindow.Decide([NewYork], Us, schedule, end - Duration.FromMinutes(1));
        Assert.True(decision is WindowDecision.Never { ScheduleEnded: true }, decision.ToString());
        Assert.IsType<WindowDecision.DialNow>(CallingWindow.Decide([NewYork], Us, schedule, end - CallingWindow.PlacementLead));
    }

    [Fact]
    public void Decide_TwoZones_OnlyWhileBothAreInside()
    {
        // 08:30 in New York is 05:30 in Los Angeles: one zone inside is not enough.
        var now = At(NewYork, 2026, 3, 2, 8, 30);
        var decision = Assert.IsType<WindowDecision.Wait>(CallingWindow.Decide([NewYork, LosAngeles], Us, null, now));
        Assert.Equal(At(LosAngeles, 2026, 3, 2, 8, 0), decision.Until);
        // 20:30 in New York is 17:30 in Los Angeles: both inside.
        Assert.IsType<WindowDecision.DialNow>(CallingWindow.Decide([NewYork, LosAngeles], Us, null, At(NewYork, 2026, 3, 2, 20, 30)));
        // 21:00 in New York closes it, although Los Angeles is still open.
        Assert.IsType<WindowDecision.Wait>(CallingWindow.Decide([NewYork, LosAngeles], Us, null, At(NewYork, 2026, 3, 2, 21, 0)));
    }

    [Fact]
    public void Decide_ZonesWithNoCommonHour_AreNeverDialable()
    {
        // With office hours 09:00-17:00, New York and Kolkata (10.5 hours apart) never share an hour.
        var office = new LegalHours(new LocalTime(9, 0), new LocalTime(17, 0));
        var decision = CallingWindow.Decide([NewYork, Kolkata], office, null, Instant.FromUtc(2026, 3, 2, 0, 0));
        var never = Assert.IsType<WindowDecision.Never>(decision);
        Assert.False(never.ScheduleEnded);
    }

    [Fact]
    public void Decide_BeforeTheSchedule_WaitsForItsStart()
    {
        var schedule = CampaignSchedule.Create(new LocalDateTime(2026, 3, 3, 9, 0), new LocalDateTime(2026, 3, 3, 18, 0), Kolkata);
        var decision = Assert.IsType<WindowDecision.Wait>(CallingWindow.Decide([Kolkata], Us, schedule, Instant.FromUtc(2026, 3, 2, 0, 0)));
        Assert.Equal(schedule.StartInstant, decision.Until);
        Assert.Equal(WaitReason.BeforeSchedule, decision.Reason);
    }

    [Fact]
    public void Decide_ScheduleWindowInsideButContactAsleep_WaitsForBoth()
    {
        // The campaign runs 09:00-18:00 Kolkata; a New York contact is asleep then (23:30-08:30 EST).
        var schedule = CampaignSchedule.Create(new LocalDateTime(2026, 3, 3, 9, 0), new LocalDateTime(2026, 3, 4, 18, 0), Kolkata);
        var decision = Assert.IsType<WindowDecision.Wait>(CallingWindow.Decide([NewYork], Us, schedule, schedule.StartInstant));
        Assert.Equal(At(NewYork, 2026, 3, 3, 8, 0), decision.Until);
    }

    [Fact]
    public void Decide_NoLegalTimeBeforeScheduleEnds_IsNeverBecauseTheScheduleEnded()
    {
        var schedule = CampaignSchedule.Create(new LocalDateTime(2026, 3, 3, 9, 0), new LocalDateTime(2026, 3, 3, 18, 0), Kolkata);
        var never = Assert.IsType<WindowDecision.Never>(CallingWindow.Decide([NewYork], Us, schedule, schedule.StartInstant));
        Assert.True(never.ScheduleEnded);
        Assert.IsType<WindowDecision.Never>(CallingWindow.Decide([Kolkata], Us, schedule, schedule.EndInstant));
        Assert.IsType<WindowDecision.DialNow>(CallingWindow.Decide([Kolkata], Us, schedule, schedule.EndInstant - CallingWindow.PlacementLead));
        Assert.IsType<WindowDecision.Never>(CallingWindow.Decide([Kolkata], Us, schedule, schedule.EndInstant - Duration.Epsilon)); // within the lead
    }

    [Fact]
    public void ContactZones_AnAustralianMobile_MayBeInSeveralZones()
    {
        var zones = ContactZones.For(PhoneNumber.Parse("+61412345678"), null);
        Assert.Contains(zones, z => z.Id == "Australia/Perth");
        Assert.Contains(zones, z => z.Id == "Australia/Sydney");
        // 09:00 in Sydney is 06:00 in Perth: not callable, since the number may be in Perth.
        Assert.IsNotType<WindowDecision.DialNow>(CallingWindow.Decide(zones, Us, null, Instant.FromUtc(2026, 3, 1, 22, 0)));
    }

    [Fact]
    public void ContactZones_TheContactsOwnZoneWins()
    {
        Assert.Equal(["America/Los_Angeles"], ContactZones.For(PhoneNumber.Parse("+919876543210"), "America/Los_Angeles").Select(z => z.Id));
        Assert.Equal(["Asia/Calcutta"], ContactZones.For(PhoneNumber.Parse("+919876543210"), null).Select(z => z.Id).Take(1).Select(id => DateTimeZoneProviders.Tzdb[id].Id));
    }

    public static Arbitrary<Instant> Instants() =>
        Gen.Choose(0, 3 * 365 * 24 * 4).Select(quarterHours => Instant.FromUtc(2025, 1, 1, 0, 0) + Duration.FromMinutes(quarterHours * 15 + 7)).ToArbitrary();

    [Property(MaxTest = 300, Arbitrary = [typeof(CallingWindowTests)])]
    public Property Decide_NeverDialsOutsideLegalHoursAndWaitsOnlyUntilALegalInstant(Instant now)
    {
        string[] zoneSets = ["America/New_York", "America/Los_Angeles|America/New_York", "Asia/Kolkata", "Europe/London|Europe/Berlin", "Australia/Sydney|Australia/Perth"];
        return zoneSets.Select(set => set.Split('|').Select(id => DateTimeZoneProviders.Tzdb[id]).ToList()).All(zones =>
        {
            bool Legal(Instant t) => zones.All(z => { var local = t.InZone(z).TimeOfDay; return local >= Us.Start && local < Us.End; });
            return CallingWindow.Decide(zones, Us, null, now) switch
            {
                WindowDecision.DialNow => Legal(now),
                WindowDecision.Wait wait => !Legal(now) && wait.Until > now && Legal(wait.Until) && !Legal(wait.Until - Duration.FromMinutes(1)),
                _ => false,
            };
        }).ToProperty();
    }
}
