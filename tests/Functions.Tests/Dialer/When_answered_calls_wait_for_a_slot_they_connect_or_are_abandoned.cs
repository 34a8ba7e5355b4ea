using System.Text.Json.Nodes;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Dialer;

/// <summary>
/// With call_ratio 3 a one-slot agent dials three prospects; all answer. One takes the slot, two wait. When the first
/// call ends, the oldest waiting call connects as the wrap-up ends; the last one waits max_wait_time, is abandoned at
/// the next tick, counted in the pool, and recorded on its attempt so the prospect is retried later.
/// </summary>
public sealed class When_answered_calls_wait_for_a_slot_they_connect_or_are_abandoned(DialerFixture app) : IClassFixture<DialerFixture>
{
    [Fact]
    public async Task The_oldest_waiting_call_takes_the_freed_slot_and_the_last_is_abandoned_after_max_wait_time()
    {
        using var metrics = AppMetrics.Listen(app);
        var start = app.Clock.GetUtcNow();
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject
        {
            ["agent_id"] = "agent_one", ["call_ratio"] = 3.0, ["max_wait_time"] = 30, ["wrap_up_time"] = 5, ["min_time_between_calls"] = 10,
        }, prospects: 3);
        await campaign.ResumeAsync();

        await campaign.UntilCallsMadeAsync(3);
        var pool = await campaign.UntilPoolAsync("agent_one", p => p.CallOnSlot[0] is not null && p.Waiting.Count == 2, "one call on the slot, two waiting");
        var talking = pool.CallOnSlot[0]!;
        var (oldest, last) = (pool.Waiting[0].CallId, pool.Waiting[1].CallId);
        Assert.All(pool.Waiting, w => Assert.Equal(start.AddSeconds(30), w.Deadline.ToDateTimeOffset()));

        campaign.Advance(TimeSpan.FromSeconds(10));
        await campaign.EndAsync(talking); // at 10 s: the slot wraps up until 15 s, then takes the oldest waiting call
        pool = await campaign.UntilPoolAsync("agent_one", p => p.CallOnSlot[0] == oldest, "the oldest waiting call gets the slot");
        Assert.Equal(start.AddSeconds(15), pool.State.Slots[0].ConnectedAt!.Value.ToDateTimeOffset());
        Assert.Equal(last, Assert.Single(pool.Waiting).CallId);
        Assert.Equal(0, pool.State.Abandoned);

        campaign.Advance(TimeSpan.FromSeconds(10)); // 20 s: still within max_wait_time
        await campaign.StaysAtAsync(3);
        Assert.Equal(0, (await campaign.PoolAsync("agent_one"))!.State.Abandoned);

        campaign.Advance(TimeSpan.FromSeconds(10)); // 30 s: the deadline
        pool = await campaign.UntilPoolAsync("agent_one", p => p.Waiting.Count == 0, "the last call is abandoned");
        Assert.Equal(1, pool.State.Abandoned);
        Assert.Equal(1, await metrics.UntilSumAsync("campaigns.calls.abandoned", 1)); // what an operator's dashboard shows
        Assert.Equal(oldest, pool.CallOnSlot[0]);

        var contacts = await Eventually.UntilAsync(campaign.ContactsAsync,
            c => c.Values.Any(x => x["calls"]![0]!["disposition"]?.GetValue<string>() == AgentPools.AbandonedDisposition), "the abandoned attempt is recorded");
        var abandoned = contacts.Values.Single(x => x["calls"]![0]!["call_id"]!.GetValue<string>() == last);
        Assert.Equal("failed", abandoned["calls"]![0]!["outcome"]!.GetValue<string>());
        Assert.Equal("pending", abandoned["status"]!.GetValue<string>());
        Assert.Equal("retry_pending", abandoned["waiting_reason"]!.GetValue<string>());
        Assert.Equal(start.AddSeconds(30).AddMinutes(10).ToString("yyyy-MM-ddTHH:mm:ssZ"), abandoned["next_attempt_at"]!.GetValue<string>());
        Assert.Equal(3, await campaign.CallsMadeAsync());
        Assert.Equal(1, (await Engine.Scenario.CampaignAsync(campaign.Client, campaign.Id))["calls_connected"]!.GetValue<int>()); // the abandoned call never reached an agent
    }
}
