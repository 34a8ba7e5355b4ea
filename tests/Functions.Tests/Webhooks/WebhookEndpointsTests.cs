using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Webhooks;

[Collection(AppCollection.Name)]
public sealed class WebhookEndpointsTests(AppFixture app)
{
    private static JsonObject Hook(string url = "https://example.com/hooks/campaigns", JsonArray? events = null, string? secret = null)
    {
        var body = new JsonObject { ["url"] = url };
        if (events is not null)
            body["events"] = events;
        if (secret is not null)
            body["secret"] = secret;
        return body;
    }

    private static async Task<JsonObject> CreateAsync(HttpClient client, JsonObject body)
    {
        var response = await client.PostAsync("/v1/webhooks", Requests.Json(body));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.BodyAsync();
    }

    private static async Task<Dictionary<string, string>> FieldErrorsAsync(HttpClient client, string raw) =>
        (await (await client.PostAsync("/v1/webhooks", Requests.Json(raw))).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors();

    [Fact]
    public async Task Create_WithEventsAndSecret_Returns201WithTheSecretAndALocation()
    {
        var (client, _) = await app.NewAccountAsync();
        var response = await client.PostAsync("/v1/webhooks",
            Requests.Json(Hook(events: ["call.completed", "campaign.*"], secret: "my-own-secret-0123456789")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.BodyAsync();
        var id = body["id"]!.GetValue<string>();
        Assert.Matches("^wh_[0-9A-Z]{26}$", id);
        Assert.Equal($"/v1/webhooks/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("https://example.com/hooks/campaigns", body["url"]!.GetValue<string>());
        Assert.Equal(["call.completed", "campaign.*"], body["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("my-own-secret-0123456789", body["secret"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["created_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_WithoutEventsOrSecret_SubscribesToEverythingWithAGeneratedSecret()
    {
        var (client, _) = await app.NewAccountAsync();
        var first = await CreateAsync(client, Hook());
        var second = await CreateAsync(client, Hook());

        Assert.Equal(["*"], first["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        var secret = first["secret"]!.GetValue<string>();
        Assert.Matches("^whsec_[A-Za-z0-9_-]{43}$", secret);
        Assert.NotEqual(secret, second["secret"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_HttpToLocalhost_IsAccepted()
    {
        var (client, _) = await app.NewAccountAsync();
        Assert.Equal("http://localhost:8080/hook", (await CreateAsync(client, Hook("http://localhost:8080/hook")))["url"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{}""", "url")]
    [InlineData("""{"url": 42}""", "url")]
    [InlineData("""{"url": "not a url"}""", "url")]
    [InlineData("""{"url": "http://example.com/hook"}""", "url")]
    [InlineData("""{"url": "https://example.com/hook", "events": []}""", "events")]
    [InlineData("""{"url": "https://example.com/hook", "events": "call.completed"}""", "events")]
    [InlineData("""{"url": "https://example.com/hook", "secret": "short"}""", "secret")]
    [InlineData("""{"url": "https://example.com/hook", "secret": 1234567890123456789}""", "secret")]
    [InlineData("""{"url": "https://example.com/hook", "colour": "blue"}""", "colour")]
    public async Task Create_InvalidField_Is400NamingTheField(string raw, string field)
    {
        var (client, _) = await app.NewAccountAsync();
        Assert.Equal([field], (await FieldErrorsAsync(client, raw)).Keys);
    }

    [Fact]
    public async Task Create_UrlLongerThan2048_Is400NamingUrl()
    {
        var (client, _) = await app.NewAccountAsync();
        var errors = await FieldErrorsAsync(client, Hook("https://example.com/" + new string('a', 2040)).ToJsonString());
        Assert.Contains("2048", errors["url"]);
    }

    [Fact]
    public async Task Create_BadEventEntries_Are400NamingEachIndex()
    {
        var (client, _) = await app.NewAccountAsync();
        var errors = await FieldErrorsAsync(client, """{"url": "https://example.com/hook", "events": ["call.completed", "call.finished", 7]}""");
        Assert.Equal(["events[1]", "events[2]"], errors.Keys.Order());
    }

    [Fact]
    public async Task Create_ErrorsOfSeveralFields_AreReportedTogether()
    {
        var (client, _) = await app.NewAccountAsync();
        var errors = await FieldErrorsAsync(client, """{"url": "ftp://x", "events": ["nope"], "secret": "short"}""");
        Assert.Equal(["events[0]", "secret", "url"], errors.Keys.Order());
    }

    [Fact]
    public async Task Create_HugeEventsArray_Is400NamingEvents()
    {
        var (client, _) = await app.NewAccountAsync();
        var events = string.Join(",", Enumerable.Repeat("\"*\"", 10_000));
        Assert.Equal(["events"], (await FieldErrorsAsync(client, $$"""{"url": "https://example.com/hook", "events": [{{events}}]}""")).Keys);
    }

    [Fact]
    public async Task Create_MalformedJson_Is400()
    {
        var (client, _) = await app.NewAccountAsync();
        await (await client.PostAsync("/v1/webhooks", Requests.Json("{\"url\": "))).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task GetAndList_NeverShowTheSecret()
    {
        var (client, _) = await app.NewAccountAsync();
        var created = await CreateAsync(client, Hook(secret: "secret-that-must-not-leak-0001"));
        var id = created["id"]!.GetValue<string>();

        var getText = await client.GetStringAsync($"/v1/webhooks/{id}");
        var listText = await client.GetStringAsync("/v1/webhooks");

        Assert.DoesNotContain("secret", getText);
        Assert.DoesNotContain("secret", listText);
        var got = JsonNode.Parse(getText)!.AsObject();
        Assert.Equal(["id", "url", "events", "created_at", "batch_size"], got.Select(p => p.Key));
        Assert.Equal(created["created_at"]!.GetValue<string>(), got["created_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_ShowsTheAccountsWebhooksNewestFirst()
    {
        var (client, _) = await app.NewAccountAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await CreateAsync(client, Hook($"https://example.com/hooks/{i}")))["id"]!.GetValue<string>());
            app.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var list = await client.GetFromJsonNodeAsync("/v1/webhooks");

        Assert.Equal(Enumerable.Reverse(ids), list["data"]!.AsArray().Select(h => h!["id"]!.GetValue<string>()));
        Assert.Equal("https://example.com/hooks/2", list["data"]![0]!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_NewAccount_IsEmpty()
    {
        var (client, _) = await app.NewAccountAsync();
        Assert.Empty((await client.GetFromJsonNodeAsync("/v1/webhooks"))["data"]!.AsArray());
    }

    [Fact]
    public async Task Delete_RemovesTheWebhookThenIs404()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await CreateAsync(client, Hook()))["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/webhooks/{id}")).StatusCode);

        await (await client.GetAsync($"/v1/webhooks/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/v1/webhooks/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await client.GetFromJsonNodeAsync("/v1/webhooks"))["data"]!.AsArray());
    }

    [Theory]
    [InlineData("wh_00000000000000000000000000")]
    [InlineData("nonsense")]
    public async Task GetAndDelete_UnknownId_Are404(string id)
    {
        var (client, _) = await app.NewAccountAsync();
        await (await client.GetAsync($"/v1/webhooks/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/v1/webhooks/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/v1/webhooks/{id}/deliveries")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnotherAccount_NeverSeesOrDeletesTheWebhook()
    {
        var (owner, _) = await app.NewAccountAsync();
        var (other, _) = await app.NewAccountAsync();
        var id = (await CreateAsync(owner, Hook()))["id"]!.GetValue<string>();

        await (await other.GetAsync($"/v1/webhooks/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/v1/webhooks/{id}/deliveries")).ProblemAsync(HttpStatusCode.NotFound);
        await (await other.DeleteAsync($"/v1/webhooks/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await other.GetFromJsonNodeAsync("/v1/webhooks"))["data"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/v1/webhooks/{id}")).StatusCode);
    }

    [Fact]
    public async Task Webhooks_WithoutAnApiKey_Are401()
    {
        var anonymous = app.ClientWith(null);
        await (await anonymous.GetAsync("/v1/webhooks")).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.PostAsync("/v1/webhooks", Requests.Json(Hook()))).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Create_TwentySixth_Is409UntilOneIsDeleted()
    {
        var (client, _) = await app.NewAccountAsync();
        var ids = new List<string>();
        for (var i = 0; i < 25; i++)
            ids.Add((await CreateAsync(client, Hook($"https://example.com/hooks/{i}")))["id"]!.GetValue<string>());

        var refused = await (await client.PostAsync("/v1/webhooks", Requests.Json(Hook()))).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("25", refused["detail"]!.GetValue<string>());
        Assert.Equal(25, (await client.GetFromJsonNodeAsync("/v1/webhooks"))["data"]!.AsArray().Count);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/webhooks/{ids[7]}")).StatusCode);
        await CreateAsync(client, Hook());
        await (await client.PostAsync("/v1/webhooks", Requests.Json(Hook()))).ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Create_ConcurrentRequestsAtTheCap_NeverPassTwentyFive()
    {
        var (client, _) = await app.NewAccountAsync();
        for (var i = 0; i < 20; i++)
            await CreateAsync(client, Hook());

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.PostAsync("/v1/webhooks", Requests.Json(Hook()))));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(25, (await client.GetFromJsonNodeAsync("/v1/webhooks"))["data"]!.AsArray().Count);
    }
}
