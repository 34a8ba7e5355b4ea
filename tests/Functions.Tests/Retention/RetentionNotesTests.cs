using Campaigns.Domain.Events;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Retention;
using NodaTime;

namespace Campaigns.Functions.Tests.Retention;

/// <summary>Which relayed events note what for retention, and how the settings are checked.</summary>
public sealed class RetentionNotesTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 3, 2, 15, 0);

    private static OutboxEvent Event(string type, string campaign = "cmp_1", string subject = "campaigns/cmp_1", Instant? at = null) =>
        new("evt_" + Guid.NewGuid().ToString("N"), type, at ?? At, "acct_1", campaign, subject, "{}");

    [Theory]
    [InlineData(EventTypes.CampaignCompleted)]
    [InlineData(EventTypes.CampaignStopped)]
    public void NotesFor_TheEndOfACampaign_NotesItsStream(string type) =>
        Assert.Equal([(RetentionKinds.Campaign, "acct_1", "cmp_1", At)], RetentionIndex.NotesFor([Event(type)]));

    [Theory]
    [InlineData(EventTypes.UploadCompleted)]
    [InlineData(EventTypes.UploadFailed)]
    public void NotesFor_TheEndOfAnUpload_NotesItsFilesByTheUploadId(string type) =>
        Assert.Equal([(RetentionKinds.Upload, "acct_1", "0b7e0f7c-1111-4222-8333-944445555666", At)],
            RetentionIndex.NotesFor([Event(type, subject: "uploads/0b7e0f7c-1111-4222-8333-944445555666")]));

    [Theory]
    [InlineData(EventTypes.CampaignCreated)]
    [InlineData(EventTypes.CampaignStarted)]
    [InlineData(EventTypes.CampaignPaused)]
    [InlineData(EventTypes.CampaignResumed)]
    [InlineData(EventTypes.CallStarted)]
    [InlineData(EventTypes.CallCompleted)]
    [InlineData(EventTypes.ContactResolved)]
    public void NotesFor_AnyOtherEvent_NotesNothing(string type) => Assert.Empty(RetentionIndex.NotesFor([Event(type)]));

    [Fact]
    public void NotesFor_TheSameEndTwice_NotesItOnceAtTheLatest() =>
        Assert.Equal([(RetentionKinds.Campaign, "acct_1", "cmp_1", At + Duration.FromMinutes(5))],
            RetentionIndex.NotesFor([Event(EventTypes.CampaignStopped), Event(EventTypes.CampaignCompleted, at: At + Duration.FromMinutes(5))]));

    [Theory]
    [InlineData(nameof(RetentionOptions.EventDays), 0)]
    [InlineData(nameof(RetentionOptions.WebhookDeliveryDays), 3651)]
    [InlineData(nameof(RetentionOptions.UploadBlobDays), -1)]
    [InlineData(nameof(RetentionOptions.DeletedCampaignDays), 0)]
    public void Validated_ADayCountOutOfRange_NamesTheSetting(string setting, int days)
    {
        var options = new RetentionOptions();
        typeof(RetentionOptions).GetProperty(setting)!.SetValue(options, days);
        Assert.Contains($"Retention__{setting}", Assert.Throws<InvalidOperationException>(() => options.Validated()).Message);
    }

    [Fact]
    public void Validated_TheDefaults_AreThePeriodsTheReadmeStates()
    {
        var periods = new RetentionOptions().Validated().Periods;
        Assert.Equal(Domain.Retention.RetentionPeriods.Default, periods);
        Assert.Equal(Duration.FromDays(30), periods.Events);
        Assert.Equal(Duration.FromDays(30), periods.WebhookDeliveries);
        Assert.Equal(Duration.FromDays(7), periods.UploadFiles);
        Assert.Equal(Duration.FromDays(7), periods.DeletedCampaigns);
    }
}
