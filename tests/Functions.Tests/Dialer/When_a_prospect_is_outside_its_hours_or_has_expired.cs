using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Dialer;

/// <summary>
/// earliest_prospect_time holds a prospect back until that local time (here 11:00 in New York, an hour after the
/// clock's 10:00), and a prospect imported more than expire_days ago is never dialed.
/// </summary>
public sealed class When_a_prospect_is_outside_its_hours_or_has_expired(DialerFixture app) : IClassFixture<DialerFixture>
{
    [Fact]
    public async Task A_prospect_waits_for_earliest_prospect_time_and_is_dialed_then()
    {
        var now = app.Clock.GetUtcNow();
        Assert.Equal(15, now.UtcDateTime.Hour); // 10:00 in New York (EST)
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["earliest_prospect_time"] = "11:00:00" }, prospects: 1);
        await campaign.ResumeAsync();

        var contacts = await Eventually.UntilAsync(campaign.ContactsAsync,
            c => c.Values.Single()["waiting_reason"]?.GetValue<string>() == "outside_prospect_hours", "the prospect waits for 11:00");
        Assert.Equal(now.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ"), contacts.Values.Single()["next_attempt_at"]!.GetValue<string>());
        campaign.Advance(TimeSpan.FromMinutes(59));
        await campaign.StaysAtAsync(0);
        campaign.Advance(TimeSpan.FromMinutes(1));
        await campaign.UntilCallsMadeAsync(1);
    }

    [Fact]
    public async Task A_prospect_older_than_expire_days_is_resolved_as_expired_without_a_call()
    {
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["expire_days"] = 1 }, prospects: 1);
        campaign.Advance(TimeSpan.FromDays(2)); // imported while the campaign was paused; two days later it resumes
        await campaign.ResumeAsync();

        var contacts = await Eventually.UntilAsync(campaign.ContactsAsync,
            c => c.Values.Single()["status"]!.GetValue<string>() == "resolved", "the prospect is resolved");
        Assert.Equal("expired", contacts.Values.Single()["last_disposition"]!.GetValue<string>());
        Assert.Equal(0, await campaign.CallsMadeAsync());
    }
}
