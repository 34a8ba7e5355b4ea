using System.Net;
using System.Text;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class LargeCampaignTests(AppFixture app)
{
    [Fact]
    public async Task Create_100000ContactsInOnePost_IsAcceptedAndEveryContactStored()
    {
        var (client, _) = await app.NewAccountAsync();
        var json = new StringBuilder("{\"name\":\"Big\",\"script_id\":\"scr_1\",\"language\":\"en-US\",\"contacts\":[");
        for (var i = 0; i < 100_000; i++)
            json.Append(i == 0 ? "" : ",").Append("{\"phone\":\"").Append(Requests.UsPhone(i)).Append("\",\"name\":\"Contact ").Append(i).Append("\",\"loan_amount\":\"75000\",\"email\":\"contact").Append(i).Append("@example.com\"}");
        json.Append("]}");
        Assert.InRange(json.Length, 8_000_000, 12_000_000);

        var response = await client.PostAsync("/v1/campaigns", Requests.Json(json.ToString()));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.BodyAsync();
        var id = created["id"]!.GetValue<string>();
        Assert.Equal(100_000, created["total_contacts"]!.GetValue<int>());

        var seen = 0;
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/v1/campaigns/{id}/contacts?limit=1000" + (cursor is null ? "" : $"&cursor={cursor}"))).BodyAsync();
            seen += page["data"]!.AsArray().Count;
            cursor = page["next_cursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal(100_000, seen);
    }
}
