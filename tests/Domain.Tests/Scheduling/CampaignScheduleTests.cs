using Campaigns.Domain.Scheduling;
using Campaigns.Domain.Validation;
using NodaTime;

namespace Campaigns.Domain.Tests.Scheduling;

public sealed class CampaignScheduleTests
{
    private static (CampaignSchedule? Schedule, Dictionary<string, string> Errors) Create(string? start, string? end, string? zone)
    {
        var errors = new ValidationErrors();
        var schedule = CampaignSchedule.TryCreate(start, end, zone, "schedule", errors);
        return (schedule, errors.All.ToDictionary(e => e.Field, e => e.Message));
    }

    [Fact]
    public void TryCreate_SeedExample_IsAWindowInKolkata()
    {
        var (schedule, errors) = Create("2024-02-01T09:00:00", "2024-02-01T18:00:00", "Asia/Kolkata");
        Assert.Empty(errors);
        Assert.Equal(Instant.FromUtc(2024, 2, 1, 3, 30), schedule!.StartInstant);
        Assert.Equal(Instant.FromUtc(2024, 2, 1, 12, 30), schedule.EndInstant);
    }

    [Fact]
    public void Contains_IsHalfOpen()
    {
        var (schedule, _) = Create("2024-02-01T09:00:00", "2024-02-01T18:00:00", "Asia/Kolkata");
        Assert.True(schedule!.Contains(schedule.StartInstant));
        Assert.True(schedule.Contains(schedule.EndInstant - Duration.Epsilon));
        Assert.False(schedule.Contains(schedule.EndInstant));
        Assert.False(schedule.Contains(schedule.StartInstant - Duration.Epsilon));
    }

    [Fact]
    public void StartInSpringForwardGap_MovesForwardByTheGap()
    {
        // 2026-03-08 02:30 does not exist in New York: clocks jump from 02:00 EST to 03:00 EDT.
        var (schedule, _) = Create("2026-03-08T02:30:00", "2026-03-08T12:00:00", "America/New_York");
        Assert.Equal(Instant.FromUtc(2026, 3, 8, 7, 30), schedule!.StartInstant); // 03:30 EDT
    }

    [Fact]
    public void StartInFallBackOverlap_MeansTheEarlierOccurrence()
    {
        // 2026-11-01 01:30 happens twice in New York; the earlier is 01:30 EDT (05:30 UTC).
        var (schedule, _) = Create("2026-11-01T01:30:00", "2026-11-01T12:00:00", "America/New_York");
        Assert.Equal(Instant.FromUtc(2026, 11, 1, 5, 30), schedule!.StartInstant);
    }

    [Fact]
    public void EndEqualToStartAcrossDst_IsRejected()
    {
        // 02:00 and 03:00 on spring-forward day are the same instant in New York.
        var (schedule, errors) = Create("2026-03-08T02:00:00", "2026-03-08T03:00:00", "America/New_York");
        Assert.Null(schedule);
        Assert.Equal("must be after start_time", errors["schedule.end_time"]);
    }

    [Theory]
    [InlineData("2024-02-01T09:00:00Z", "without an offset")]
    [InlineData("2024-02-01T09:00:00+05:30", "without an offset")]
    [InlineData("tomorrow", "ISO 8601")]
    [InlineData("2024-02-30T09:00:00", "ISO 8601")]
    [InlineData(null, "required")]
    public void TryCreate_BadStart_SaysWhy(string? start, string reason)
    {
        Assert.Contains(reason, Create(start, "2024-02-01T18:00:00", "Asia/Kolkata").Errors["schedule.start_time"]);
    }

    [Fact]
    public void TryCreate_MinutesWithoutSeconds_AreAccepted()
    {
        Assert.Empty(Create("2024-02-01T09:00", "2024-02-01T18:00", "Asia/Kolkata").Errors);
    }

    [Theory]
    [InlineData("IST")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    public void TryCreate_UnknownZone_IsRejected(string zone)
    {
        Assert.True(Create("2024-02-01T09:00:00", "2024-02-01T18:00:00", zone).Errors.ContainsKey("schedule.timezone"));
    }

    [Fact]
    public void TryCreate_ZoneAlias_IsAccepted()
    {
        Assert.Empty(Create("2024-02-01T09:00:00", "2024-02-01T18:00:00", "Asia/Calcutta").Errors);
    }
}
