using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Dialer;

/// <summary>
/// A provider reports that a prospect answered with <c>POST /v1/calls/{call_id}/answered</c>: the reply says whether
/// the call has an agent slot or waits for one; asking again is safe and tells a waiting call when it connects.
/// </summary>
public sealed class When_a_provider_reports_an_answered_call(DialerFixture app) : IClassFixture<DialerFixture>
{
    [Fact]
    public async Task The_first_answered_call_gets_the_slot_and_the_second_waits_until_the_wrap_up_ends()
    {
        var start = app.Clock.GetUtcNow();
        // no_answer: the simulator never reports these calls answered itself (its result would come an hour later).
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject
        {
            ["agent_id"] = "agent_one", ["call_ratio"] = 2.0, ["max_wait_time"] = 45, ["wrap_up_time"] = 5,
        }, prospects: 2, outcome: "no_answer");
        await campaign.ResumeAsync();
        await campaign.UntilCallsMadeAsync(2);
        var calls = (await campaign.CallIdsAsync()).Order(StringComparer.Ordinal).ToList();

        var first = await AnsweredAsync(campaign, calls[0]);
        Assert.Equal("connected", first["fate"]!.GetValue<string>());
        Assert.Equal(0, first["slot"]!.GetValue<int>());
        var second = await AnsweredAsync(campaign, calls[1]);
        Assert.Equal("queued", second["fate"]!.GetValue<string>());
        Assert.Equal(start.AddSeconds(45).ToString("yyyy-MM-ddTHH:mm:ssZ"), second["abandon_at"]!.GetValue<string>());
        Assert.Equal("connected", (await AnsweredAsync(campaign, calls[0]))["fate"]!.GetValue<string>()); // asked again: the same

        campaign.Advance(TimeSpan.FromSeconds(20));
        await campaign.EndAsync(calls[0]);
        second = await AnsweredAsync(campaign, calls[1]);
        Assert.Equal("connected", second["fate"]!.GetValue<string>());
        Assert.Equal(start.AddSeconds(25).ToString("yyyy-MM-ddTHH:mm:ssZ"), second["connected_at"]!.GetValue<string>());
        Assert.Equal("ended", (await AnsweredAsync(campaign, calls[0]))["fate"]!.GetValue<string>());

        var unknown = await campaign.Client.PostAsync($"/v1/calls/{calls[0][..^1]}9/answered", Requests.Json(new JsonObject()));
        await unknown.ProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<JsonObject> AnsweredAsync(DialerCampaign campaign, string callId)
    {
        var response = await campaign.Client.PostAsync($"/v1/calls/{callId}/answered", Requests.Json(new JsonObject()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.BodyAsync();
    }
}
