using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Languages;
using Campaigns.Domain.Scheduling;
using NodaTime;

namespace Campaigns.Domain.Tests.Campaigns;

public sealed class CampaignTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 3, 2, 10, 0);

    private static Campaign NewCampaign(CampaignSchedule? schedule = null)
    {
        LanguageTag.TryParse("hi-IN", out var language, out _);
        var spec = new CampaignSpec("Loan renewals", "scr_1", language, schedule, 3, 120, []);
        return Campaign.Create("cmp_1", spec, Now);
    }

    [Fact]
    public void Create_StartsScheduledWithZeroCounters()
    {
        var campaign = NewCampaign();
        Assert.Equal(CampaignStatus.Scheduled, campaign.Status);
        Assert.Equal(0, campaign.Counters.CallsMade);
        Assert.Empty(campaign.Counters.DispositionSummary);
        Assert.Equal(Now, campaign.CreatedAt);
    }

    [Fact]
    public void Apply_StartWithoutSchedule_Runs()
    {
        var later = Now + Duration.FromMinutes(5);
        var running = NewCampaign().Apply(CampaignTrigger.Start, later);
        Assert.Equal(CampaignStatus.Running, running.Status);
        Assert.Equal(later, running.UpdatedAt);
    }

    [Fact]
    public void Apply_StartWithSchedule_IsIllegalAndSaysWhenItStarts()
    {
        var schedule = CampaignSchedule.Create(new LocalDateTime(2026, 4, 1, 9, 0), new LocalDateTime(2026, 4, 1, 18, 0), DateTimeZoneProviders.Tzdb["Asia/Kolkata"]);
        var error = Assert.Throws<IllegalTransitionException>(() => NewCampaign(schedule).Apply(CampaignTrigger.Start, Now));
        Assert.Contains("2026-04-01T09:00:00 Asia/Kolkata", error.Message);
    }

    [Fact]
    public void Apply_ScheduleStartedWithSchedule_Runs()
    {
        var schedule = CampaignSchedule.Create(new LocalDateTime(2026, 4, 1, 9, 0), new LocalDateTime(2026, 4, 1, 18, 0), DateTimeZoneProviders.Tzdb["Asia/Kolkata"]);
        Assert.Equal(CampaignStatus.Running, NewCampaign(schedule).Apply(CampaignTrigger.ScheduleStarted, Now).Status);
    }
}
