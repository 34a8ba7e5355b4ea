using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

/// <summary>
/// Storage commits a create's transaction but its answer comes after the client's network timeout (3 s here), so the
/// SDK sends the same transaction again, which meets its own rows (409). Seen on Azurite under load (18-20 s stalls):
/// the create answered 500. Each create must answer as if the first try had been answered, with one campaign made.
/// </summary>
public sealed class When_storage_loses_an_answer_a_retried_create_makes_one_campaign(FaultyStorageFixture app)
    : IClassFixture<FaultyStorageFixture>, IDisposable
{
    public void Dispose() => app.Proxy.Heal();

    [Fact]
    public async Task A_v1_campaign_is_created_once_and_answered_201()
    {
        var (client, _) = await app.NewAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/campaigns")).StatusCode); // the key is resolved and cached
        var lost = app.Proxy.Faulted;

        app.Proxy.LoseAnswerOnce(app.Prefix + "campaigns");
        var response = await client.PostAsync("/v1/campaigns", Requests.Json(Requests.Campaign(3)));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(lost + 1, app.Proxy.Faulted); // the first try's answer was lost
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        var id = JsonNode.Parse(body)!["id"]!.GetValue<string>();
        var list = (await client.GetFromJsonNodeAsync("/v1/campaigns"))["data"]!.AsArray();
        Assert.Equal([id], list.Select(c => c!["id"]!.GetValue<string>()));
        Assert.Equal(3, (await client.GetFromJsonNodeAsync($"/v1/campaigns/{id}"))["total_contacts"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_scheduler_campaign_keeps_its_slug_and_a_list_is_created_once()
    {
        var (client, _) = await app.NewAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v/campaign/")).StatusCode);

        app.Proxy.LoseAnswerOnce(app.Prefix + "campaigns");
        var created = await client.PostAsync("/api/v/campaign/", Requests.Json(new JsonObject { ["name"] = "Renewals" }));
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode} {text}");
        Assert.Equal("renewals", JsonNode.Parse(text)!["slug"]!.GetValue<string>()); // not renewals-2: the first try made it

        app.Proxy.LoseAnswerOnce(app.Prefix + "lists");
        var list = await client.PostAsync("/api/v/list/", Requests.Json(new JsonObject { ["name"] = "March", ["campaign"] = "renewals" }));
        var listText = await list.Content.ReadAsStringAsync();
        Assert.True(list.StatusCode == HttpStatusCode.Created, $"{(int)list.StatusCode} {listText}");
        Assert.NotNull(JsonNode.Parse(listText)!["uuid"]);
    }
}
