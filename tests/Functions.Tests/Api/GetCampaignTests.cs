using System.Net;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class GetCampaignTests(AppFixture app)
{
    [Fact]
    public async Task Get_ExistingCampaign_HasTheCreateReplyPlusCounters()
    {
        var (client, _) = await app.NewAccountAsync();
        var created = await client.CreateCampaignAsync(Requests.Campaign(schedule: true));
        var body = await (await client.GetAsync($"/v1/campaigns/{created["id"]}")).BodyAsync();

        foreach (var (key, value) in created)
            Assert.Equal(value?.ToJsonString(), body[key]?.ToJsonString());
        Assert.Equal(0, body["calls_made"]!.GetValue<int>());
        Assert.Equal(0, body["calls_connected"]!.GetValue<int>());
        Assert.Empty(body["disposition_summary"]!.AsObject());
    }

    [Theory]
    [InlineData("cmp_000000000000000")]
    [InlineData("cmp_zzzzzzzzzzzzzz")]
    [InlineData("not-an-id")]
    [InlineData("cmp_'or'1'eq'1")]
    public async Task Get_UnknownId_Is404(string id)
    {
        var (client, _) = await app.NewAccountAsync();
        await (await client.GetAsync($"/v1/campaigns/{Uri.EscapeDataString(id)}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnotherAccountsCampaign_IsNotFoundForEveryOperation()
    {
        var (owner, _) = await app.NewAccountAsync();
        var (stranger, _) = await app.NewAccountAsync();
        var id = (await owner.CreateCampaignAsync())["id"]!.GetValue<string>();

        await (await stranger.GetAsync($"/v1/campaigns/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.PatchAsync(id, "stop")).ProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.RemoveContactsAsync(id, Requests.UsPhone(0))).ProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/v1/campaigns/{id}/contacts")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await stranger.GetAsync("/v1/campaigns")).BodyAsync())["data"]!.AsArray());

        var mine = await (await owner.GetAsync($"/v1/campaigns/{id}")).BodyAsync();
        Assert.Equal("scheduled", mine["status"]!.GetValue<string>());
    }
}
