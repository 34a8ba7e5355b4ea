using System.Text.Json.Nodes;

namespace Campaigns.Functions.Tests.Dialer;

/// <summary>
/// A tick dials floor(call_ratio × free agent slots) less the calls still ringing, and never past max_active_calls.
/// Calls the prospects answer stay on their slots until the provider reports their end.
/// </summary>
public sealed class When_a_tick_dials_call_ratio_times_the_free_agent_slots(DialerFixture app) : IClassFixture<DialerFixture>
{
    [Fact]
    public async Task Two_thirds_of_three_slots_dial_two_and_a_raised_ratio_fills_the_last_slot_at_the_next_tick()
    {
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["agent_id"] = "agent_three", ["call_ratio"] = 0.67 }, prospects: 6);
        await campaign.ResumeAsync();

        await campaign.UntilCallsMadeAsync(2); // floor(0.67 × 3) = 2
        await campaign.UntilPoolAsync("agent_three", p => p.CallOnSlot.Count(c => c is not null) == 2, "both answered calls are on slots");
        campaign.Advance(TimeSpan.FromSeconds(10)); // next tick: one slot free, floor(0.67 × 1) = 0
        await campaign.StaysAtAsync(2);

        await campaign.PatchAsync(new JsonObject { ["call_ratio"] = 1.0 });
        await campaign.StaysAtAsync(2); // not before the next tick
        campaign.Advance(TimeSpan.FromSeconds(10));
        await campaign.UntilCallsMadeAsync(3);
        var pool = await campaign.UntilPoolAsync("agent_three", p => p.CallOnSlot.All(c => c is not null), "every slot is on a call");
        Assert.Equal(0, pool.State.FreeSlots(NodaTime.Instant.FromDateTimeOffset(app.Clock.GetUtcNow())));

        campaign.Advance(TimeSpan.FromSeconds(10)); // no slot free: nobody more
        await campaign.StaysAtAsync(3);
    }

    [Fact]
    public async Task Max_active_calls_caps_the_calls_below_what_the_slots_allow()
    {
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["agent_id"] = "agent_three", ["call_ratio"] = 3.0, ["max_active_calls"] = 2 }, prospects: 6);
        await campaign.ResumeAsync();

        await campaign.UntilCallsMadeAsync(2); // 3 × 3 = 9 by the ratio, 2 by max_active_calls
        campaign.Advance(TimeSpan.FromSeconds(10));
        await campaign.StaysAtAsync(2);

        var first = (await campaign.CallIdsAsync())[0];
        await campaign.EndAsync(first);
        campaign.Advance(TimeSpan.FromSeconds(10)); // one call ended: one more may start
        await campaign.UntilCallsMadeAsync(3);
        await campaign.StaysAtAsync(3);
    }
}
