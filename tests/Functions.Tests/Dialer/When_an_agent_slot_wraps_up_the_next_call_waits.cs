using System.Text.Json.Nodes;

namespace Campaigns.Functions.Tests.Dialer;

/// <summary>
/// After a call ends its slot stays busy for wrap_up_time; the dialer ticks every dialer_interval, so the next
/// prospect is dialed at the first tick after the wrap-up, not when the result arrives.
/// </summary>
public sealed class When_an_agent_slot_wraps_up_the_next_call_waits(DialerFixture app) : IClassFixture<DialerFixture>
{
    [Fact]
    public async Task A_one_slot_agent_with_25_seconds_of_wrap_up_dials_the_second_prospect_at_the_tick_30_seconds_later()
    {
        var start = app.Clock.GetUtcNow();
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["agent_id"] = "agent_one", ["wrap_up_time"] = 25, ["dialer_interval"] = 10 }, prospects: 2);
        await campaign.ResumeAsync();
        await campaign.UntilCallsMadeAsync(1);
        var first = (await campaign.CallIdsAsync()).Single();
        await campaign.UntilPoolAsync("agent_one", p => p.CallOnSlot[0] == first, "the answered call is on the only slot");

        await campaign.EndAsync(first); // the slot is busy until 25 s from now
        var pool = await campaign.UntilPoolAsync("agent_one", p => p.CallOnSlot[0] is null, "the call is released");
        Assert.Equal(start.AddSeconds(25), pool.State.Slots[0].BusyUntil!.Value.ToDateTimeOffset());

        for (var tick = 1; tick <= 2; tick++)
        {
            campaign.Advance(TimeSpan.FromSeconds(10)); // ticks at 10 s and 20 s: the slot is wrapping up
            await campaign.StaysAtAsync(1);
        }
        campaign.Advance(TimeSpan.FromSeconds(10));
        await campaign.UntilCallsMadeAsync(2);
        var second = (await campaign.ContactsAsync()).Values.Single(c => c["attempts"]!.GetValue<int>() == 1 && c["status"]!.GetValue<string>() == "dialing");
        Assert.Equal(start.AddSeconds(30).ToString("yyyy-MM-ddTHH:mm:ssZ"), second["calls"]![0]!["started_at"]!.GetValue<string>());
    }
}
