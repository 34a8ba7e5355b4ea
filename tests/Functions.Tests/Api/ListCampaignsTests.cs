using System.Net;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class ListCampaignsTests(AppFixture app)
{
    private async Task<(HttpClient Client, List<string> IdsOldestFirst)> AccountWithCampaignsAsync(int count, TimeSpan apart)
    {
        var (client, _) = await app.NewAccountAsync();
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await client.CreateCampaignAsync(Requests.Campaign(contacts: 1, name: $"Campaign {i}")))["id"]!.GetValue<string>());
            app.Clock.Advance(apart);
        }
        return (client, ids);
    }

    private static async Task<List<string>> IdsAsync(HttpClient client, string query)
    {
        var body = await (await client.GetAsync("/v1/campaigns" + query)).BodyAsync();
        return body["data"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()).ToList();
    }

    [Fact]
    public async Task List_Default_IsNewestFirstWithPagingInformation()
    {
        var (client, ids) = await AccountWithCampaignsAsync(3, TimeSpan.FromMinutes(1));
        var body = await (await client.GetAsync("/v1/campaigns")).BodyAsync();

        Assert.Equal(Enumerable.Reverse(ids), body["data"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()));
        var paging = body["pagination"]!;
        Assert.Equal(20, paging["limit"]!.GetValue<int>());
        Assert.Equal(0, paging["offset"]!.GetValue<int>());
        Assert.Equal(3, paging["returned"]!.GetValue<int>());
        Assert.False(paging["has_more"]!.GetValue<bool>());
        Assert.Null(paging["next_offset"]);
        Assert.Equal(0, body["data"]![0]!["calls_made"]!.GetValue<int>());
    }

    [Fact]
    public async Task List_LimitAndOffset_PageThroughEveryCampaignOnce()
    {
        var (client, ids) = await AccountWithCampaignsAsync(5, TimeSpan.FromSeconds(1));
        var first = await (await client.GetAsync("/v1/campaigns?limit=2")).BodyAsync();
        Assert.True(first["pagination"]!["has_more"]!.GetValue<bool>());
        Assert.Equal(2, first["pagination"]!["next_offset"]!.GetValue<int>());

        var seen = new List<string>();
        for (var offset = 0; offset < 6; offset += 2)
            seen.AddRange(await IdsAsync(client, $"?limit=2&offset={offset}"));
        Assert.Equal(Enumerable.Reverse(ids), seen);
    }

    [Fact]
    public async Task List_StatusFilter_ReturnsOnlyThatStatus()
    {
        var (client, ids) = await AccountWithCampaignsAsync(3, TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync(ids[1], "start")).StatusCode);

        Assert.Equal([ids[1]], await IdsAsync(client, "?status=running"));
        Assert.Equal([ids[2], ids[0]], await IdsAsync(client, "?status=scheduled"));
        Assert.Empty(await IdsAsync(client, "?status=stopped"));
    }

    [Fact]
    public async Task List_FromAndTo_AreInclusiveDates()
    {
        var (client, ids) = await AccountWithCampaignsAsync(3, TimeSpan.FromDays(1));
        var days = Enumerable.Range(0, 3).Select(i => app.Clock.GetUtcNow().AddDays(i - 3).ToString("yyyy-MM-dd")).ToArray();

        Assert.Equal([ids[1]], await IdsAsync(client, $"?from={days[1]}&to={days[1]}"));
        Assert.Equal([ids[2], ids[1]], await IdsAsync(client, $"?from={days[1]}"));
        Assert.Equal([ids[1], ids[0]], await IdsAsync(client, $"?to={days[1]}"));
    }

    [Theory]
    [InlineData("?limit=101", "limit")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?offset=-1", "offset")]
    [InlineData("?status=done", "status")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?from=2024-02-02&to=2024-02-01", "to")]
    public async Task List_BadParameter_IsA400NamingIt(string query, string field)
    {
        var (client, _) = await app.NewAccountAsync();
        var problem = await (await client.GetAsync("/v1/campaigns" + query)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.FieldErrors().ContainsKey(field));
    }

    [Fact]
    public async Task List_Limit100_IsAccepted()
    {
        var (client, _) = await app.NewAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/campaigns?limit=100")).StatusCode);
    }
}
