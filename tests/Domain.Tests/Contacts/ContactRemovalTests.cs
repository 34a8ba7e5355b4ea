using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;

namespace Campaigns.Domain.Tests.Contacts;

public sealed class ContactRemovalTests
{
    private static ContactState State(ContactStatus status, int attempts = 0) =>
        new(new ContactSpec(PhoneNumber.Parse("+919876543210"), "Priya", null, CustomFields.None), status, attempts, null, null);

    [Fact]
    public void Decide_UnknownNumber_IsNotFound() => Assert.Equal(RemovalOutcome.NotFound, ContactRemoval.Decide(null));

    [Fact]
    public void Decide_PendingNeverCalled_IsRemoved() => Assert.Equal(RemovalOutcome.Removed, ContactRemoval.Decide(State(ContactStatus.Pending)));

    [Fact]
    public void Decide_AlreadyRemoved_IsRemovedAgainSoRetriesAgree() =>
        Assert.Equal(RemovalOutcome.Removed, ContactRemoval.Decide(State(ContactStatus.Removed)));

    [Theory]
    [InlineData(ContactStatus.Pending, 1)]
    [InlineData(ContactStatus.Dialing, 0)]
    [InlineData(ContactStatus.Resolved, 1)]
    public void Decide_CalledOrBeingCalled_IsAlreadyCalled(ContactStatus status, int attempts) =>
        Assert.Equal(RemovalOutcome.AlreadyCalled, ContactRemoval.Decide(State(status, attempts)));

    [Theory]
    [InlineData(CampaignStatus.Scheduled, true)]
    [InlineData(CampaignStatus.Running, true)]
    [InlineData(CampaignStatus.Paused, true)]
    [InlineData(CampaignStatus.Completed, false)]
    [InlineData(CampaignStatus.Stopped, false)]
    public void IsAllowed_OnlyWhileTheCampaignCanStillDial(CampaignStatus status, bool allowed) =>
        Assert.Equal(allowed, ContactRemoval.IsAllowed(status));

    [Fact]
    public void Read_ValidNumber_IsLookedUp() =>
        Assert.Equal("+919876543210", ContactRemoval.Read("+919876543210").Phone?.E164);

    [Theory]
    [InlineData("+12120000000")] // E.164 in shape; not a valid US number
    [InlineData("+99912345678")] // E.164 in shape; no such country code
    public void Read_WellFormedButNotValidForItsCountry_CannotBeInAnyCampaign(string text) =>
        Assert.True(ContactRemoval.Read(text).CannotBeInAnyCampaign);

    [Theory]
    [InlineData("0044 20 7946 0018")]
    [InlineData("+1 212 555 0100")]
    [InlineData("")]
    [InlineData(null)]
    public void Read_Malformed_IsAnError(string? text)
    {
        var entry = ContactRemoval.Read(text);
        Assert.False(entry.CannotBeInAnyCampaign);
        Assert.False(string.IsNullOrEmpty(entry.Error));
    }
}
