using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.ApiV;

/// <summary>Friday 24 July 2026, 16:00 UTC: 10:00 in Salt Lake City (Pioneer Day, a Utah holiday) and 12:00 in New York.</summary>
public sealed class PioneerDayFixture() : AppFixture(new DateTimeOffset(2026, 7, 24, 16, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "0",
    ["Engine:MaxCallsInProgress"] = "5",
});

/// <summary>
/// Prospects come into a Campaign Scheduler API campaign through a list, one by one (form data as in the seed), and
/// the same engine dials them under the campaign's dialer settings.
/// </summary>
public sealed class When_prospects_are_added_to_a_list_they_are_dialed_by_the_rules(PioneerDayFixture app) : IClassFixture<PioneerDayFixture>
{
    private static async Task<(string CampaignId, string Slug, string ListId, string ListSlug)> CampaignWithListAsync(HttpClient client, JsonObject? settings = null)
    {
        var body = settings ?? new JsonObject();
        body["name"] = "Summer " + Guid.NewGuid().ToString("N")[..6];
        var campaign = await (await client.PostAsync("/api/v/campaign/", Requests.Json(body))).BodyAsync();
        var slug = campaign["slug"]!.GetValue<string>();
        var list = await client.PostAsync("/api/v/list/", Requests.Json(new JsonObject { ["name"] = "July list", ["campaign"] = slug }));
        Assert.Equal(HttpStatusCode.Created, list.StatusCode);
        var listBody = await list.BodyAsync();
        return (campaign["id"]!.GetValue<string>(), slug, listBody["uuid"]!.GetValue<string>(), listBody["slug"]!.GetValue<string>());
    }

    private static Task<HttpResponseMessage> AddAsync(HttpClient client, string listId, params (string Key, string Value)[] fields) =>
        client.PostAsync($"/api/v/prospect/{listId}/", new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))));

    [Fact]
    public async Task A_new_prospect_is_called_dupes_and_bad_rows_are_refused_and_every_one_is_counted()
    {
        var (client, _) = await app.NewAccountAsync();
        var (campaignId, slug, listId, listSlug) = await CampaignWithListAsync(client);

        var added = await AddAsync(client, listId, ("primary_phone", "(212) 555-0101"), ("first_name", "John"), ("last_name", "Smith"),
            ("simulated_outcome", "interested"), ("loan_amount", "75000"));
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal("+12125550101", (await added.BodyAsync())["primary_phone"]!.GetValue<string>());

        var done = await Eventually.UntilAsync(() => Scenario.CampaignAsync(client, campaignId), c => c["calls_made"]!.GetValue<int>() == 1, "the prospect is called");
        await Eventually.UntilAsync(() => Scenario.CampaignAsync(client, campaignId), c => c.Dispositions().GetValueOrDefault("interested") == 1, "the call is recorded");
        var contact = (await Scenario.ContactsAsync(client, campaignId))["+12125550101"];
        Assert.Equal("John Smith", contact["name"]!.GetValue<string>());
        Assert.Equal("75000", contact["custom_fields"]!["loan_amount"]!.GetValue<string>());
        Assert.Equal("Completed", (await client.GetFromJsonNodeAsync($"/api/v/campaign/{slug}/status/"))["status"]!.GetValue<string>());

        var dupe = await AddAsync(client, listId, ("primary_phone", "+12125550101"), ("first_name", "John"));
        Assert.Equal("dupe", (await dupe.ProblemAsync(HttpStatusCode.Conflict))["reason"]!.GetValue<string>());
        var invalid = await AddAsync(client, listId, ("primary_phone", "555-01"), ("first_name", "Nobody"));
        Assert.Contains("primary_phone", (await invalid.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors().Keys);

        var counts = (await client.GetFromJsonNodeAsync($"/api/v/list/{listSlug}/"))["counts"]!;
        Assert.Equal(3, counts["attempted"]!.GetValue<int>());
        Assert.Equal(1, counts["valid"]!.GetValue<int>());
        Assert.Equal(1, counts["dupes"]!.GetValue<int>());
        Assert.Equal(1, counts["invalid"]!.GetValue<int>());
        Assert.Equal(1, (await Scenario.CampaignAsync(client, campaignId))["calls_made"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_Utah_prospect_waits_out_Pioneer_Day_and_an_ignored_state_is_never_called()
    {
        var (client, _) = await app.NewAccountAsync();
        var (campaignId, _, listId, _) = await CampaignWithListAsync(client, new JsonObject { ["ignore_states"] = "TX" });
        Assert.Equal(HttpStatusCode.Created, (await AddAsync(client, listId, ("primary_phone", "8015550123"), ("state", "UT"), ("simulated_outcome", "interested"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await AddAsync(client, listId, ("primary_phone", "2145550123"), ("state", "TX"))).StatusCode);

        var waiting = await Scenario.UntilContactsAsync(client, campaignId,
            c => c["+18015550123"]["waiting_reason"]?.GetValue<string>() == "holiday" && c["+12145550123"]["status"]!.GetValue<string>() == "resolved",
            "Utah waits for the holiday, Texas is resolved");
        // Saturday 25 July, 09:00 in Salt Lake City (MDT, UTC-6): the campaign's earliest_prospect_time.
        Assert.Equal("2026-07-25T15:00:00Z", waiting["+18015550123"]["next_attempt_at"]!.GetValue<string>());
        Assert.Equal("ignored_state", waiting["+12145550123"]["last_disposition"]!.GetValue<string>());
        Assert.Equal(0, (await Scenario.CampaignAsync(client, campaignId))["calls_made"]!.GetValue<int>());

        app.Clock.Advance(TimeSpan.FromHours(23));
        await Eventually.UntilAsync(() => Scenario.CampaignAsync(client, campaignId), c => c.Dispositions().GetValueOrDefault("interested") == 1, "Utah is called the next morning");
        var campaign = await Scenario.CampaignAsync(client, campaignId);
        Assert.Equal(1, campaign["calls_made"]!.GetValue<int>());
        Assert.Equal(1, campaign.Dispositions()["ignored_state"]);
    }
}
