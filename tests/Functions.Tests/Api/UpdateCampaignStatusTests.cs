using System.Net;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class UpdateCampaignStatusTests(AppFixture app)
{
    private async Task<(HttpClient Client, string Id)> CampaignAsync(bool schedule = false)
    {
        var (client, _) = await app.NewAccountAsync();
        return (client, (await client.CreateCampaignAsync(Requests.Campaign(schedule: schedule)))["id"]!.GetValue<string>());
    }

    private static async Task<string> StatusAfterAsync(HttpClient client, string id, string action)
    {
        var response = await client.PatchAsync(id, action);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.BodyAsync())["status"]!.GetValue<string>();
    }

    [Fact]
    public async Task Lifecycle_StartPauseResumeStop_FollowsTheTable()
    {
        var (client, id) = await CampaignAsync();
        Assert.Equal("running", await StatusAfterAsync(client, id, "start"));
        Assert.Equal("paused", await StatusAfterAsync(client, id, "pause"));
        Assert.Equal("running", await StatusAfterAsync(client, id, "resume"));
        Assert.Equal("stopped", await StatusAfterAsync(client, id, "stop"));
        Assert.Equal("stopped", (await (await client.GetAsync($"/v1/campaigns/{id}")).BodyAsync())["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("resume")]
    [InlineData("pause")]
    [InlineData("start")]
    [InlineData("stop")]
    public async Task Stopped_AnyAction_Is409NamingStatusAndAction(string action)
    {
        var (client, id) = await CampaignAsync();
        await StatusAfterAsync(client, id, "stop");

        var problem = await (await client.PatchAsync(id, action)).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("stopped", problem["current_status"]!.GetValue<string>());
        Assert.Equal(action, problem["action"]!.GetValue<string>());
        Assert.Contains("stopped", problem["detail"]!.GetValue<string>());
        Assert.Contains(action, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Scheduled_PauseOrResume_Is409()
    {
        var (client, id) = await CampaignAsync();
        await (await client.PatchAsync(id, "pause")).ProblemAsync(HttpStatusCode.Conflict);
        await (await client.PatchAsync(id, "resume")).ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Start_CampaignWithSchedule_Is409ExplainingItStartsByItself()
    {
        var (client, id) = await CampaignAsync(schedule: true);
        var problem = await (await client.PatchAsync(id, "start")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("start_time", problem["detail"]!.GetValue<string>());
        Assert.Equal("stopped", await StatusAfterAsync(client, id, "stop"));
    }

    [Fact]
    public async Task Pause_Twice_SecondIs409WithCurrentStatusPaused()
    {
        var (client, id) = await CampaignAsync();
        await StatusAfterAsync(client, id, "start");
        await StatusAfterAsync(client, id, "pause");
        var problem = await (await client.PatchAsync(id, "pause")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("paused", problem["current_status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"action": "restart"}""", "action")]
    [InlineData("""{}""", "action")]
    [InlineData("""{"action": 1}""", "action")]
    [InlineData("""{"action": "pause", "force": true}""", "force")]
    public async Task Patch_BadBody_Is400NamingTheField(string raw, string field)
    {
        var (client, id) = await CampaignAsync();
        var problem = await (await client.PatchAsync($"/v1/campaigns/{id}", Requests.Json(raw))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.FieldErrors().ContainsKey(field));
    }

    [Fact]
    public async Task ConcurrentActions_ExactlyOneOfTwoConflictingStopsWins()
    {
        var (client, id) = await CampaignAsync();
        await StatusAfterAsync(client, id, "start");
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PatchAsync(id, "stop")));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }
}
