using System.Net;
using Campaigns.Domain.Contacts;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Campaigns.Functions.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class RemoveContactsTests(AppFixture app)
{
    [Fact]
    public async Task Remove_PendingAndUnknownNumbers_CountsThemAsTheSeedDefines()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await client.CreateCampaignAsync(Requests.Campaign(contacts: 3)))["id"]!.GetValue<string>();

        var response = await client.RemoveContactsAsync(id, Requests.UsPhone(0), Requests.UsPhone(1), "+919876543210");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.BodyAsync();
        Assert.Equal(["removed", "not_found", "already_called"], body.Select(p => p.Key).ToArray());
        Assert.Equal(2, body["removed"]!.GetValue<int>());
        Assert.Equal(1, body["not_found"]!.GetValue<int>());
        Assert.Equal(0, body["already_called"]!.GetValue<int>());

        var campaign = await (await client.GetAsync($"/v1/campaigns/{id}")).BodyAsync();
        Assert.Equal(3, campaign["total_contacts"]!.GetValue<int>());
        var contacts = await (await client.GetAsync($"/v1/campaigns/{id}/contacts")).BodyAsync();
        var statuses = contacts["data"]!.AsArray().ToDictionary(c => c!["phone"]!.GetValue<string>(), c => c!["status"]!.GetValue<string>());
        Assert.Equal("removed", statuses[Requests.UsPhone(0)]);
        Assert.Equal("removed", statuses[Requests.UsPhone(1)]);
        Assert.Equal("pending", statuses[Requests.UsPhone(2)]);
    }

    [Fact]
    public async Task Remove_Repeated_GivesTheSameAnswerAndRepeatsInOneRequestCountOnce()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await client.CreateCampaignAsync(Requests.Campaign(contacts: 2)))["id"]!.GetValue<string>();

        var first = await (await client.RemoveContactsAsync(id, Requests.UsPhone(0), Requests.UsPhone(0))).BodyAsync();
        var second = await (await client.RemoveContactsAsync(id, Requests.UsPhone(0))).BodyAsync();
        Assert.Equal(1, first["removed"]!.GetValue<int>());
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
    }

    [Fact]
    public async Task Remove_ContactAlreadyCalled_IsKeptAndCountedAsAlreadyCalled()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await client.CreateCampaignAsync(Requests.Campaign(contacts: 2)))["id"]!.GetValue<string>();
        // The engine records a call attempt on contact 0 (written directly, as the engine will).
        var contacts = app.Service<ContactStore>();
        var called = (await contacts.GetAsync(id, 1, PhoneNumber.Parse(Requests.UsPhone(0)), CancellationToken.None))!;
        await contacts.ReplaceAsync(called, called.State with { Attempts = 1, LastDisposition = "no_answer" }, CancellationToken.None);

        var body = await (await client.RemoveContactsAsync(id, Requests.UsPhone(0), Requests.UsPhone(1))).BodyAsync();
        Assert.Equal(1, body["removed"]!.GetValue<int>());
        Assert.Equal(0, body["not_found"]!.GetValue<int>());
        Assert.Equal(1, body["already_called"]!.GetValue<int>());

        var list = await (await client.GetAsync($"/v1/campaigns/{id}/contacts")).BodyAsync();
        var kept = list["data"]!.AsArray().Single(c => c!["phone"]!.GetValue<string>() == Requests.UsPhone(0))!;
        Assert.Equal("pending", kept["status"]!.GetValue<string>());
        Assert.Equal("no_answer", kept["last_disposition"]!.GetValue<string>());
    }

    [Fact]
    public async Task Remove_InvalidNumber_Is400NamingItsIndexAndRemovesNothing()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await client.CreateCampaignAsync(Requests.Campaign(contacts: 2)))["id"]!.GetValue<string>();

        var problem = await (await client.RemoveContactsAsync(id, Requests.UsPhone(0), "0044 20 7946 0018")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.FieldErrors().ContainsKey("phones[1]"));
        var list = await (await client.GetAsync($"/v1/campaigns/{id}/contacts")).BodyAsync();
        Assert.All(list["data"]!.AsArray(), c => Assert.Equal("pending", c!["status"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Remove_WellFormedNumberNotValidForItsCountry_CountsAsNotFoundAndTheRestIsRemoved()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await client.CreateCampaignAsync(Requests.Campaign(contacts: 2)))["id"]!.GetValue<string>();

        // +1 212 000 0000: E.164 in shape, but no US number starts its exchange with 0; +999...: no such country code.
        var body = await (await client.RemoveContactsAsync(id, Requests.UsPhone(0), "+12120000000", "+99912345678", "+12120000000")).BodyAsync();
        Assert.Equal((1, 2, 0), (body["removed"]!.GetValue<int>(), body["not_found"]!.GetValue<int>(), body["already_called"]!.GetValue<int>()));
    }

    [Theory]
    [InlineData("""{"phones": []}""")]
    [InlineData("""{"phones": "+12122000000"}""")]
    [InlineData("""{}""")]
    public async Task Remove_BadBody_Is400NamingPhones(string raw)
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await client.CreateCampaignAsync())["id"]!.GetValue<string>();
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/v1/campaigns/{id}/contacts") { Content = Requests.Json(raw) };
        var problem = await (await client.SendAsync(request)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.FieldErrors().ContainsKey("phones"));
    }

    [Fact]
    public async Task Remove_FromStoppedCampaign_Is409()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await client.CreateCampaignAsync())["id"]!.GetValue<string>();
        await client.PatchAsync(id, "stop");
        var problem = await (await client.RemoveContactsAsync(id, Requests.UsPhone(0))).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("stopped", problem["current_status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Contacts_ListPages_CoverEveryContactOnceAcrossShards()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await client.CreateCampaignAsync(Requests.Campaign(contacts: 7)))["id"]!.GetValue<string>();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/v1/campaigns/{id}/contacts?limit=3" + (cursor is null ? "" : $"&cursor={cursor}"))).BodyAsync();
            seen.AddRange(page["data"]!.AsArray().Select(c => c!["phone"]!.GetValue<string>()));
            cursor = page["next_cursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal(Enumerable.Range(0, 7).Select(Requests.UsPhone).Order(), seen.Order());

        await (await client.GetAsync($"/v1/campaigns/{id}/contacts?cursor=garbage")).ProblemAsync(HttpStatusCode.BadRequest);
    }
}
