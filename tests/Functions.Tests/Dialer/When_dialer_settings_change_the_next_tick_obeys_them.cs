using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Dialer;

/// <summary>
/// A list-fed campaign dials at its dialer_interval, and a PATCH of its settings takes effect at the next tick:
/// the engine reads the campaign row at every tick, and decides max_number_calls and min_time_between_calls again
/// when a retry falls due, not only when the previous result planned it.
/// </summary>
public sealed class When_dialer_settings_change_the_next_tick_obeys_them(DialerFixture app) : IClassFixture<DialerFixture>
{
    private static string At(DateTimeOffset instant) => instant.ToString("yyyy-MM-ddTHH:mm:ssZ");

    [Fact]
    public async Task A_result_does_not_dial_the_next_prospect_before_the_dialer_interval()
    {
        var start = app.Clock.GetUtcNow();
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["dialer_interval"] = 15, ["max_active_calls"] = 1, ["wrap_up_time"] = 0 }, prospects: 2);
        await campaign.ResumeAsync();
        await campaign.UntilCallsMadeAsync(1);
        await campaign.EndAsync((await campaign.CallIdsAsync()).Single()); // a line and a slot are free at once

        campaign.Advance(TimeSpan.FromSeconds(14));
        await campaign.StaysAtAsync(1);
        campaign.Advance(TimeSpan.FromSeconds(1));
        await campaign.UntilCallsMadeAsync(2);
        var second = (await campaign.ContactsAsync()).Values.Single(c => c["status"]!.GetValue<string>() == "dialing");
        Assert.Equal(At(start.AddSeconds(15)), second["calls"]![0]!["started_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task Lowering_max_number_calls_resolves_a_prospect_whose_retry_was_already_planned()
    {
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["max_number_calls"] = 3, ["min_time_between_calls"] = 1 }, prospects: 1, outcome: "no_answer");
        await campaign.ResumeAsync();
        await campaign.UntilCallsMadeAsync(1);
        await campaign.EndAsync((await campaign.CallIdsAsync()).Single(), "no_answer", null);
        await Scenario(campaign, c => c["waiting_reason"]?.GetValue<string>() == "retry_pending", "a retry is planned in a minute");

        await campaign.PatchAsync(new JsonObject { ["max_number_calls"] = 1 });
        campaign.Advance(TimeSpan.FromMinutes(1));
        var contact = await Scenario(campaign, c => c["status"]!.GetValue<string>() == "resolved", "the prospect is resolved at the tick");
        Assert.Equal("not_reachable", contact["last_disposition"]!.GetValue<string>());
        Assert.Equal(1, await campaign.CallsMadeAsync());
    }

    [Fact]
    public async Task Raising_min_time_between_calls_moves_a_planned_retry_later()
    {
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["max_number_calls"] = 3, ["min_time_between_calls"] = 1 }, prospects: 1, outcome: "no_answer");
        await campaign.ResumeAsync();
        await campaign.UntilCallsMadeAsync(1);
        var ended = app.Clock.GetUtcNow();
        await campaign.EndAsync((await campaign.CallIdsAsync()).Single(), "no_answer", null);
        await Scenario(campaign, c => c["next_attempt_at"]?.GetValue<string>() == At(ended.AddMinutes(1)), "a retry is planned in a minute");

        await campaign.PatchAsync(new JsonObject { ["min_time_between_calls"] = 10 });
        campaign.Advance(TimeSpan.FromMinutes(1));
        await Scenario(campaign, c => c["next_attempt_at"]?.GetValue<string>() == At(ended.AddMinutes(10)), "the retry waits for 10 minutes after the call");
        Assert.Equal(1, await campaign.CallsMadeAsync());

        campaign.Advance(TimeSpan.FromMinutes(9));
        await campaign.UntilCallsMadeAsync(2);
    }

    [Fact]
    public async Task Pausing_stops_dialing_at_the_next_tick_and_resuming_dials_again()
    {
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["max_active_calls"] = 1, ["wrap_up_time"] = 0 }, prospects: 2);
        await campaign.ResumeAsync();
        await campaign.UntilCallsMadeAsync(1);
        await campaign.PatchAsync(new JsonObject { ["paused"] = true });
        await campaign.EndAsync((await campaign.CallIdsAsync()).Single());

        campaign.Advance(TimeSpan.FromSeconds(10));
        await campaign.StaysAtAsync(1);
        await campaign.ResumeAsync();
        await campaign.UntilCallsMadeAsync(2);
    }

    private static async Task<JsonNode> Scenario(DialerCampaign campaign, Func<JsonNode, bool> done, string what) =>
        (await Eventually.UntilAsync(campaign.ContactsAsync, c => c.Count == 1 && done(c.Values.Single()), what)).Values.Single();
}
