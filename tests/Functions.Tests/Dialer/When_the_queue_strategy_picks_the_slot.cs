using System.Text.Json.Nodes;

namespace Campaigns.Functions.Tests.Dialer;

/// <summary>
/// Three calls one after another (max_active_calls 1, no wrap-up) on a three-slot agent: round-robin gives each the
/// next slot, top-down gives every one the first slot.
/// </summary>
public sealed class When_the_queue_strategy_picks_the_slot(DialerFixture app) : IClassFixture<DialerFixture>
{
    [Theory]
    [InlineData("round-robin", new[] { 1, 1, 1 })]
    [InlineData("top-down", new[] { 3, 0, 0 })]
    public async Task Sequential_calls_land_on_the_slots_the_strategy_picks(string strategy, int[] callsPerSlot)
    {
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject
        {
            ["agent_id"] = "agent_three", ["queue_strategy"] = strategy, ["max_active_calls"] = 1, ["wrap_up_time"] = 0,
        }, prospects: 3);
        await campaign.ResumeAsync();

        for (var call = 1; call <= 3; call++)
        {
            await campaign.UntilCallsMadeAsync(call);
            var ids = await campaign.CallIdsAsync();
            var current = ids.Single(id => ids.Count(other => other == id) == 1 && !Ended.Contains(id));
            await campaign.UntilPoolAsync("agent_three", p => p.CallOnSlot.Contains(current), $"call {call} is on a slot");
            await campaign.EndAsync(current);
            Ended.Add(current);
            await campaign.UntilPoolAsync("agent_three", p => !p.CallOnSlot.Contains(current), $"call {call} is released");
            campaign.Advance(TimeSpan.FromSeconds(10));
        }
        var pool = await campaign.PoolAsync("agent_three");
        Assert.Equal(callsPerSlot, pool!.State.Slots.Select(s => s.CallsTaken).ToArray());
    }

    private readonly HashSet<string> Ended = [];
}
