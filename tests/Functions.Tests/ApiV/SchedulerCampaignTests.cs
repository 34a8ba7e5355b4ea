using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.ApiV;

/// <summary>The Campaign Scheduler API's campaigns, over real HTTP against real Azurite, authenticated by cookie.</summary>
[Collection(AppCollection.Name)]
public sealed class SchedulerCampaignTests(AppFixture app)
{
    /// <summary>The seed's create example, word for word.</summary>
    private static JsonObject SeedExample(string name = "February Reminders") => new()
    {
        ["name"] = name, ["agent_id"] = "agent_abc123", ["workspace"] = "ws_001", ["email"] = "owner@example.com",
        ["locale_name"] = "USCA", ["earliest_prospect_time"] = "09:00:00", ["latest_prospect_time"] = "21:00:00",
        ["call_ratio"] = 1.0, ["max_number_calls"] = 10, ["min_time_between_calls"] = 30, ["dialer_interval"] = 10,
    };

    private async Task<HttpClient> CookieClientAsync()
    {
        var (_, key) = await app.NewAccountAsync();
        var client = app.ClientWith(null);
        client.DefaultRequestHeaders.Add("Cookie", $"access_token={key}");
        return client;
    }

    private static async Task<JsonObject> CreateAsync(HttpClient client, JsonObject body)
    {
        var response = await client.PostAsync("/api/v/campaign/", Requests.Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.BodyAsync();
    }

    [Fact]
    public async Task Create_SeedExample_ReturnsEveryFieldWithTheSeedsDefaultsAndASlug()
    {
        var client = await CookieClientAsync();
        var body = await CreateAsync(client, SeedExample());

        Assert.Equal("february-reminders", body["slug"]!.GetValue<string>());
        Assert.StartsWith("cmp_", body["id"]!.GetValue<string>());
        Assert.Equal("agent_abc123", body["agent_id"]!.GetValue<string>());
        Assert.Equal("ws_001", body["workspace"]!.GetValue<string>());
        Assert.True(body["active"]!.GetValue<bool>());
        Assert.Equal(0, body["max_active_calls"]!.GetValue<int>());
        Assert.Equal(90, body["dupe_days"]!.GetValue<int>());
        Assert.Equal(90, body["expire_days"]!.GetValue<int>());
        Assert.Equal("", body["ignore_states"]!.GetValue<string>());
        Assert.True(body["filter_holidays"]!.GetValue<bool>());
        Assert.Equal(60, body["max_wait_time"]!.GetValue<int>());
        Assert.Equal("longest-idle-agent", body["queue_strategy"]!.GetValue<string>());
        Assert.Equal(3, body["wrap_up_time"]!.GetValue<int>());
        Assert.False(body["paused"]!.GetValue<bool>());
        Assert.Equal("09:00:00", body["earliest_prospect_time"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_SameNameTwice_SecondGetsASuffixedSlug()
    {
        var client = await CookieClientAsync();
        await CreateAsync(client, SeedExample("Renewals"));
        var second = await CreateAsync(client, SeedExample("Renewals"));
        Assert.Equal("renewals-2", second["slug"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("dialer_interval", "1")]
    [InlineData("dialer_interval", "16")]
    [InlineData("call_ratio", "-0.5")]
    [InlineData("latest_prospect_time", "\"25:00:00\"")]
    [InlineData("queue_strategy", "\"fastest-agent\"")]
    [InlineData("max_number_calls", "\"ten\"")]
    [InlineData("dupe_days", "-2")]
    [InlineData("ignore_states", "\"NY,XX\"")]
    [InlineData("dialer_intervall", "10")]
    public async Task Create_OutOfRangeOrUnknownField_Is400NamingTheField(string field, string json)
    {
        var client = await CookieClientAsync();
        var body = SeedExample();
        body.Remove(field);
        body[field] = JsonNode.Parse(json);
        var problem = await (await client.PostAsync("/api/v/campaign/", Requests.Json(body))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.FieldErrors().Keys);
    }

    [Fact]
    public async Task Patch_ChangesOnlyTheFieldsSent_AndPutReplacesEverything()
    {
        var client = await CookieClientAsync();
        var slug = (await CreateAsync(client, SeedExample()))["slug"]!.GetValue<string>();

        var patched = await (await client.PatchAsync($"/api/v/campaign/{slug}/",
            Requests.Json(new JsonObject { ["call_ratio"] = 1.5, ["max_active_calls"] = 20, ["paused"] = false }))).BodyAsync();
        Assert.Equal(1.5, patched["call_ratio"]!.GetValue<double>());
        Assert.Equal(20, patched["max_active_calls"]!.GetValue<int>());
        Assert.Equal("agent_abc123", patched["agent_id"]!.GetValue<string>());

        var replaced = await (await client.PutAsync($"/api/v/campaign/{slug}/", Requests.Json(new JsonObject { ["name"] = "February Reminders" }))).BodyAsync();
        Assert.Equal(1.0, replaced["call_ratio"]!.GetValue<double>());
        Assert.Null(replaced["agent_id"]);
        Assert.Equal(slug, replaced["slug"]!.GetValue<string>());

        var bad = await client.PatchAsync($"/api/v/campaign/{slug}/", Requests.Json(new JsonObject { ["earliest_prospect_time"] = "22:00:00" }));
        Assert.Contains("earliest_prospect_time", (await bad.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors().Keys);
        var unchanged = await (await client.GetAsync($"/api/v/campaign/{slug}/")).BodyAsync();
        Assert.Equal("09:00:00", unchanged["earliest_prospect_time"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_FiltersByWorkspaceAndEmail()
    {
        var client = await CookieClientAsync();
        await CreateAsync(client, SeedExample("One"));
        var other = SeedExample("Two");
        other["workspace"] = "ws_002";
        other["email"] = "someone@example.com";
        await CreateAsync(client, other);

        var ws1 = (await client.GetFromJsonNodeAsync("/api/v/campaign/?workspace=ws_001")).AsArray();
        Assert.Equal(["one"], ws1.Select(c => c!["slug"]!.GetValue<string>()));
        var byEmail = (await client.GetFromJsonNodeAsync("/api/v/campaign/?email=someone%40example.com")).AsArray();
        Assert.Equal(["two"], byEmail.Select(c => c!["slug"]!.GetValue<string>()));
        Assert.Equal(2, (await client.GetFromJsonNodeAsync("/api/v/campaign/")).AsArray().Count);
    }

    [Fact]
    public async Task Status_ActiveWithoutProspectsIsCompleted_InactiveWhenNotActive()
    {
        var client = await CookieClientAsync();
        var slug = (await CreateAsync(client, SeedExample()))["slug"]!.GetValue<string>();
        Assert.Equal("Completed", (await client.GetFromJsonNodeAsync($"/api/v/campaign/{slug}/status/"))["status"]!.GetValue<string>());

        await client.PatchAsync($"/api/v/campaign/{slug}/", Requests.Json(new JsonObject { ["active"] = false }));
        Assert.Equal("Inactive", (await client.GetFromJsonNodeAsync($"/api/v/campaign/{slug}/status/"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_RemovesTheCampaign_AndAnotherAccountNeverSeesIt()
    {
        var client = await CookieClientAsync();
        var slug = (await CreateAsync(client, SeedExample()))["slug"]!.GetValue<string>();
        var stranger = await CookieClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v/campaign/{slug}/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"/api/v/campaign/{slug}/")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v/campaign/{slug}/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v/campaign/{slug}/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v/campaign/{slug}/status/")).StatusCode);
    }

    [Fact]
    public async Task AnyRequest_WithoutTheCookie_Is401()
    {
        var anonymous = app.ClientWith(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v/campaign/")).StatusCode);
    }
}
