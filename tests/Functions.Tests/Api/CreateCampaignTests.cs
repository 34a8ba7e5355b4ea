using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class CreateCampaignTests(AppFixture app)
{
    [Fact]
    public async Task Create_ValidRequest_Returns201WithTheSeedsFields()
    {
        var (client, _) = await app.NewAccountAsync();
        var response = await client.PostAsync("/v1/campaigns", Requests.Json(Requests.Campaign(schedule: true)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.BodyAsync();
        var id = body["id"]!.GetValue<string>();
        Assert.StartsWith("cmp_", id);
        Assert.Equal($"/v1/campaigns/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("scheduled", body["status"]!.GetValue<string>());
        Assert.Equal("February Loan Renewal Outreach", body["name"]!.GetValue<string>());
        Assert.Equal("scr_7xK2pL9mN", body["script_id"]!.GetValue<string>());
        Assert.Equal("en-US", body["language"]!.GetValue<string>());
        Assert.Equal(2, body["total_contacts"]!.GetValue<int>());
        Assert.Equal(1, body["max_attempts"]!.GetValue<int>());
        Assert.Equal(240, body["retry_interval_minutes"]!.GetValue<int>());
        Assert.Equal("2026-12-01T09:00:00", body["schedule"]!["start_time"]!.GetValue<string>());
        Assert.Equal("2026-12-01T18:00:00", body["schedule"]!["end_time"]!.GetValue<string>());
        Assert.Equal("America/New_York", body["schedule"]!["timezone"]!.GetValue<string>());
        Assert.Equal(app.Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), body["created_at"]!.GetValue<string>());
        Assert.Equal(
            ["id", "name", "status", "script_id", "language", "total_contacts", "max_attempts", "retry_interval_minutes", "schedule", "created_at"],
            body.Select(p => p.Key).ToArray());
    }

    [Fact]
    public async Task Create_WithoutSchedule_ScheduleIsNullAndDefaultsApply()
    {
        var (client, _) = await app.NewAccountAsync();
        var body = await client.CreateCampaignAsync(Requests.Campaign());
        Assert.Null(body["schedule"]);
        Assert.True(body.ContainsKey("schedule"));
        Assert.Equal(1, body["max_attempts"]!.GetValue<int>());
        Assert.Equal(240, body["retry_interval_minutes"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_LanguageInOddCase_IsStoredCanonically()
    {
        var (client, _) = await app.NewAccountAsync();
        var request = Requests.Campaign();
        request["language"] = "HI-in";
        var body = await client.CreateCampaignAsync(request);
        Assert.Equal("hi-IN", body["language"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_ManyWrongFields_ListsEveryOneByPath()
    {
        var (client, _) = await app.NewAccountAsync();
        const string raw = """
        {
          "name": "",
          "script_id": 42,
          "language": "english please",
          "contacts": [
            {"phone": "+919876543210", "name": "Priya"},
            {"phone": "9876543210", "name": "No plus"},
            {"phone": "+1999555012", "name": "Invalid for its country"},
            {"name": "No phone"},
            {"phone": "+919876543210", "name": "Repeat"},
            "not an object"
          ],
          "schedule": {"start_time": "2024-02-01T18:00:00", "end_time": "2024-02-01T09:00:00", "timezone": "Asia/Kolkata"},
          "max_attempts": 6,
          "retry_interval_minutes": 0,
          "unknown_field": true
        }
        """;
        var problem = await (await client.PostAsync("/v1/campaigns", Requests.Json(raw))).ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.FieldErrors();

        Assert.Contains("required", errors["name"]);
        Assert.Contains("must be a string", errors["script_id"]);
        Assert.Contains("BCP 47", errors["language"]);
        Assert.Contains("E.164", errors["contacts[1].phone"]);
        Assert.Contains("not a valid phone number", errors["contacts[2].phone"]);
        Assert.Contains("required", errors["contacts[3].phone"]);
        Assert.Contains("repeats contacts[0].phone", errors["contacts[4].phone"]);
        Assert.Contains("must be an object", errors["contacts[5]"]);
        Assert.Contains("after start_time", errors["schedule.end_time"]);
        Assert.Contains("1 to 5", errors["max_attempts"]);
        Assert.Contains("1 to 10080", errors["retry_interval_minutes"]);
        Assert.Contains("not a field", errors["unknown_field"]);
        Assert.False(errors.ContainsKey("contacts[0].phone"));
        var pointer = problem["errors"]!.AsArray().Single(e => e!["field"]!.GetValue<string>() == "contacts[1].phone")!["pointer"]!.GetValue<string>();
        Assert.Equal("/contacts/1/phone", pointer);
    }

    [Fact]
    public async Task Create_InvalidRequest_WritesNothing()
    {
        var (client, _) = await app.NewAccountAsync();
        var request = Requests.Campaign(contacts: 3);
        request["max_attempts"] = 0;
        await (await client.PostAsync("/v1/campaigns", Requests.Json(request))).ProblemAsync(HttpStatusCode.BadRequest);

        var list = await (await client.GetAsync("/v1/campaigns")).BodyAsync();
        Assert.Empty(list["data"]!.AsArray());
    }

    [Theory]
    [InlineData("name", 256, false)]
    [InlineData("name", 255, true)]
    public async Task Create_NameLength_IsLimitedTo255Characters(string field, int length, bool accepted)
    {
        var (client, _) = await app.NewAccountAsync();
        var request = Requests.Campaign();
        request[field] = string.Concat(Enumerable.Repeat("😀", length)); // one character, two UTF-16 units
        var response = await client.PostAsync("/v1/campaigns", Requests.Json(request));
        if (accepted)
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        else
            Assert.Contains("at most 255", (await response.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors()[field]);
    }

    [Theory]
    [InlineData("max_attempts", "0")]
    [InlineData("max_attempts", "6")]
    [InlineData("max_attempts", "2.5")]
    [InlineData("max_attempts", "\"3\"")]
    [InlineData("retry_interval_minutes", "0")]
    [InlineData("retry_interval_minutes", "10081")]
    [InlineData("retry_interval_minutes", "99999999999")]
    public async Task Create_OutOfRangeNumbers_AreA400NamingTheField(string field, string rawValue)
    {
        var (client, _) = await app.NewAccountAsync();
        var request = Requests.Campaign();
        request[field] = JsonNode.Parse(rawValue);
        var problem = await (await client.PostAsync("/v1/campaigns", Requests.Json(request))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.FieldErrors().ContainsKey(field));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 10080)]
    public async Task Create_BoundaryNumbers_AreAccepted(int maxAttempts, int retryMinutes)
    {
        var (client, _) = await app.NewAccountAsync();
        var request = Requests.Campaign();
        request["max_attempts"] = maxAttempts;
        request["retry_interval_minutes"] = retryMinutes;
        var body = await client.CreateCampaignAsync(request);
        Assert.Equal(maxAttempts, body["max_attempts"]!.GetValue<int>());
        Assert.Equal(retryMinutes, body["retry_interval_minutes"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_ScheduleWithOffset_IsRejectedAsNotLocal()
    {
        var (client, _) = await app.NewAccountAsync();
        var request = Requests.Campaign(schedule: true);
        request["schedule"]!["start_time"] = "2026-12-01T09:00:00Z";
        var problem = await (await client.PostAsync("/v1/campaigns", Requests.Json(request))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("without an offset", problem.FieldErrors()["schedule.start_time"]);
    }

    [Fact]
    public async Task Create_WithIdempotencyKey_RepeatReturnsTheFirstCampaign()
    {
        var (client, _) = await app.NewAccountAsync();
        var key = Guid.NewGuid().ToString();
        async Task<HttpResponseMessage> Post()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/campaigns") { Content = Requests.Json(Requests.Campaign()) };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }

        var first = await Post();
        var second = await Post();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal((await first.BodyAsync())["id"]!.GetValue<string>(), (await second.BodyAsync())["id"]!.GetValue<string>());
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        var list = await (await client.GetAsync("/v1/campaigns")).BodyAsync();
        Assert.Single(list["data"]!.AsArray());
    }

    [Fact]
    public async Task Create_CustomFields_AreKeptVerbatimAndShownWithTheContact()
    {
        var (client, _) = await app.NewAccountAsync();
        var request = Requests.Campaign(contacts: 0);
        request["contacts"] = JsonNode.Parse("""
            [{"phone": "+919876543210", "name": "Priya Sharma", "loan_amount": "75000", "score": 7.5, "vip": true,
              "tags": ["a", "b"], "timezone": "Asia/Kolkata"}]
            """);
        var created = await client.CreateCampaignAsync(request);

        var contacts = await (await client.GetAsync($"/v1/campaigns/{created["id"]}/contacts")).BodyAsync();
        var contact = contacts["data"]!.AsArray().Single()!;
        Assert.Equal("+919876543210", contact["phone"]!.GetValue<string>());
        Assert.Equal("Priya Sharma", contact["name"]!.GetValue<string>());
        Assert.Equal("Asia/Kolkata", contact["timezone"]!.GetValue<string>());
        Assert.Equal("pending", contact["status"]!.GetValue<string>());
        Assert.Equal(0, contact["attempts"]!.GetValue<int>());
        var fields = contact["custom_fields"]!.AsObject();
        Assert.Equal("75000", fields["loan_amount"]!.GetValue<string>());
        Assert.Equal(7.5, fields["score"]!.GetValue<double>());
        Assert.True(fields["vip"]!.GetValue<bool>());
        Assert.Equal(2, fields["tags"]!.AsArray().Count);
        Assert.Equal(["loan_amount", "score", "vip", "tags"], fields.Select(f => f.Key).ToArray());
    }

    [Fact]
    public async Task Create_ContactTimezoneThatIsNotIana_IsRejected()
    {
        var (client, _) = await app.NewAccountAsync();
        var request = Requests.Campaign();
        request["contacts"]![1]!["timezone"] = "EST5EDT-ish";
        var problem = await (await client.PostAsync("/v1/campaigns", Requests.Json(request))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("IANA", problem.FieldErrors()["contacts[1].timezone"]);
    }
}
