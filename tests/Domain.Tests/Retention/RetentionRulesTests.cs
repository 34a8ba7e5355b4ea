using Campaigns.Domain.Retention;
using NodaTime;

namespace Campaigns.Domain.Tests.Retention;

public sealed class RetentionRulesTests
{
    private static readonly Instant LastEvent = Instant.FromUtc(2026, 3, 2, 15, 0);
    private static readonly RetentionPeriods Periods = RetentionPeriods.Default; // 30, 30, 7, 7 days

    private static StreamFacts Stream(CampaignLife life = CampaignLife.Ended, long last = 40, Instant? deletedAt = null, bool outbox = false,
        params DestinationPosition[] destinations) =>
        new(life, last, last > 0 ? LastEvent : null, deletedAt, destinations, outbox);

    private static Instant Days(double days) => LastEvent + Duration.FromHours(days * 24);

    [Fact]
    public void ForStream_ActiveCampaign_IsForgottenWhateverItsAge() =>
        Assert.IsType<RetentionDecision.Forget>(RetentionRules.ForStream(Stream(CampaignLife.Active), Days(400), Periods));

    [Fact]
    public void ForStream_EndedCampaignYoungerThanItsPeriod_IsLookedAtAgainWhenItExpires()
    {
        var decision = Assert.IsType<RetentionDecision.LookAgain>(RetentionRules.ForStream(Stream(), Days(29.9), Periods));
        Assert.Equal(Days(30), decision.At);
    }

    [Fact]
    public void ForStream_EndedCampaignExactlyItsPeriodOldAndDelivered_IsDeleted() =>
        Assert.IsType<RetentionDecision.Delete>(RetentionRules.ForStream(Stream(destinations: new DestinationPosition("the broker", 40)), Days(30), Periods));

    [Fact]
    public void ForStream_BrokerBehind_KeepsTheStreamAndLooksAgainTomorrow()
    {
        var decision = Assert.IsType<RetentionDecision.LookAgain>(
            RetentionRules.ForStream(Stream(destinations: [new("webhook wh_1", 40, LastEvent), new("the broker", 39)]), Days(31), Periods));
        Assert.Equal(Days(32), decision.At);
        Assert.Contains("the broker", decision.Why);
    }

    [Fact]
    public void ForStream_WebhookWithoutACursorMadeBeforeTheLastEvent_KeepsTheStream() =>
        Assert.IsType<RetentionDecision.LookAgain>(
            RetentionRules.ForStream(Stream(destinations: new DestinationPosition("webhook wh_1", 0, LastEvent - Duration.FromDays(1))), Days(31), Periods));

    [Fact]
    public void ForStream_WebhookMadeAfterTheLastEvent_WantsNoneOfItAndDoesNotKeepIt() =>
        Assert.IsType<RetentionDecision.Delete>(
            RetentionRules.ForStream(Stream(destinations: new DestinationPosition("webhook wh_1", 0, LastEvent + Duration.FromMinutes(2))), Days(31), Periods));

    [Fact]
    public void ForStream_WebhookMadeWithinTheClockSlackOfTheLastEvent_StillKeepsIt() =>
        Assert.IsType<RetentionDecision.LookAgain>(
            RetentionRules.ForStream(Stream(destinations: new DestinationPosition("webhook wh_1", 0, LastEvent + Duration.FromSeconds(30))), Days(31), Periods));

    [Fact]
    public void ForStream_EventsStillInTheOutbox_KeepTheStream() =>
        Assert.IsType<RetentionDecision.LookAgain>(RetentionRules.ForStream(Stream(outbox: true), Days(400), Periods));

    [Fact]
    public void ForStream_EndedCampaignWithoutAStream_IsForgotten() =>
        Assert.IsType<RetentionDecision.Forget>(RetentionRules.ForStream(Stream(last: 0), Days(400), Periods));

    [Fact]
    public void ForStream_DeletedCampaignWithoutAStream_IsDeletedForItsOtherLeftovers() =>
        Assert.IsType<RetentionDecision.Delete>(RetentionRules.ForStream(Stream(CampaignLife.Deleted, last: 0, deletedAt: Days(0)), Days(0), Periods));

    [Fact]
    public void ForStream_DeletedCampaign_ExpiresItsPeriodAfterTheDeletion()
    {
        var deleted = Days(10);
        var before = Assert.IsType<RetentionDecision.LookAgain>(RetentionRules.ForStream(Stream(CampaignLife.Deleted, deletedAt: deleted), Days(16.9), Periods));
        Assert.Equal(Days(17), before.At);
        Assert.IsType<RetentionDecision.Delete>(RetentionRules.ForStream(Stream(CampaignLife.Deleted, deletedAt: deleted), Days(17), Periods));
    }

    [Fact]
    public void ForStream_DeletedCampaignWithEventsAfterTheDeletion_ExpiresItsPeriodAfterTheLastEvent()
    {
        var decision = Assert.IsType<RetentionDecision.LookAgain>(
            RetentionRules.ForStream(Stream(CampaignLife.Deleted, deletedAt: LastEvent - Duration.FromDays(3)), Days(6), Periods));
        Assert.Equal(Days(7), decision.At);
    }

    [Fact]
    public void ForStream_DeletedCampaignWithADestinationBehind_IsKept() =>
        Assert.IsType<RetentionDecision.LookAgain>(
            RetentionRules.ForStream(Stream(CampaignLife.Deleted, deletedAt: LastEvent, destinations: new DestinationPosition("the broker", 12)), Days(100), Periods));

    [Fact]
    public void ForUpload_PendingOrProcessing_KeepsItsFilesAndLooksAgainTomorrow()
    {
        var now = Days(100);
        var decision = Assert.IsType<RetentionDecision.LookAgain>(RetentionRules.ForUpload(UploadLife.InProgress, LastEvent, LastEvent, now, Periods));
        Assert.Equal(now + RetentionRules.Recheck, decision.At);
    }

    [Fact]
    public void ForUpload_FinishedLessThanItsPeriodAgo_IsLookedAtAgainWhenItExpires() =>
        Assert.Equal(Days(7), Assert.IsType<RetentionDecision.LookAgain>(RetentionRules.ForUpload(UploadLife.Finished, LastEvent, LastEvent, Days(6), Periods)).At);

    [Fact]
    public void ForUpload_FinishedItsPeriodAgo_IsDeleted() =>
        Assert.IsType<RetentionDecision.Delete>(RetentionRules.ForUpload(UploadLife.Finished, LastEvent, LastEvent, Days(7), Periods));

    [Fact]
    public void ForUpload_FinishedWithoutAnEndTime_CountsFromTheNote() =>
        Assert.Equal(Days(9), Assert.IsType<RetentionDecision.LookAgain>(RetentionRules.ForUpload(UploadLife.Finished, null, Days(2), Days(3), Periods)).At);

    [Fact]
    public void ForUpload_SummaryGone_IsDeleted() =>
        Assert.IsType<RetentionDecision.Delete>(RetentionRules.ForUpload(UploadLife.Gone, null, LastEvent, LastEvent, Periods));

    [Fact]
    public void WebhookDeliveriesCutoff_IsThePeriodBeforeNow() =>
        Assert.Equal(Days(0), RetentionRules.WebhookDeliveriesCutoff(Days(30), Periods));

    [Theory]
    [InlineData(true, false, true, "look")]
    [InlineData(true, true, true, "look")]
    [InlineData(false, true, true, "look")]
    [InlineData(false, false, true, "forget")]
    [InlineData(false, false, false, "now")]
    [InlineData(true, false, false, "now")]
    public void AfterWebhookTrim_KeepsLookingWhileTheWebhookOrItsRowsExist(bool exists, bool rowsLeft, bool complete, string expected)
    {
        var now = Days(1);
        var decision = RetentionRules.AfterWebhookTrim(exists, rowsLeft, complete, now);
        switch (expected)
        {
            case "look":
                Assert.Equal(now + RetentionRules.Recheck, Assert.IsType<RetentionDecision.LookAgain>(decision).At);
                break;
            case "now":
                Assert.Equal(now, Assert.IsType<RetentionDecision.LookAgain>(decision).At);
                break;
            default:
                Assert.IsType<RetentionDecision.Forget>(decision);
                break;
        }
    }
}
