using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Campaigns.Functions.Tests.Infrastructure;

/// <summary>Builders for request bodies and helpers to read replies.</summary>
public static class Requests
{
    /// <summary>Distinct valid US numbers: +1 415 555 0100 + n is reserved for fiction; these use 212-2xx exchanges.</summary>
    public static string UsPhone(int n) => $"+1212{200 + n / 10_000 % 800:D3}{n % 10_000:D4}";

    public static JsonObject Campaign(int contacts = 2, bool schedule = false, string name = "February Loan Renewal Outreach")
    {
        var list = new JsonArray();
        for (var i = 0; i < contacts; i++)
            list.Add(new JsonObject { ["phone"] = UsPhone(i), ["name"] = $"Contact {i}", ["loan_amount"] = "75000" });
        var body = new JsonObject
        {
            ["name"] = name,
            ["script_id"] = "scr_7xK2pL9mN",
            ["language"] = "en-US",
            ["contacts"] = list,
        };
        if (schedule)
        {
            body["schedule"] = new JsonObject
            {
                ["start_time"] = "2026-12-01T09:00:00",
                ["end_time"] = "2026-12-01T18:00:00",
                ["timezone"] = "America/New_York",
            };
        }
        return body;
    }

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static StringContent Json(string raw) => new(raw, Encoding.UTF8, "application/json");

    public static async Task<JsonObject> CreateCampaignAsync(this HttpClient client, JsonObject? body = null)
    {
        var response = await client.PostAsync("/v1/campaigns", Json(body ?? Campaign()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public static async Task<HttpResponseMessage> PatchAsync(this HttpClient client, string id, string action) =>
        await client.PatchAsync($"/v1/campaigns/{id}", Json(new JsonObject { ["action"] = action }));

    public static async Task<HttpResponseMessage> RemoveContactsAsync(this HttpClient client, string id, params string[] phones)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/v1/campaigns/{id}/contacts")
        {
            Content = Json(new JsonObject { ["phones"] = new JsonArray(phones.Select(p => (JsonNode)p!).ToArray()) }),
        };
        return await client.SendAsync(request);
    }

    /// <summary>GETs a path that must answer 200 and returns its JSON (an object or an array).</summary>
    public static async Task<JsonNode> GetFromJsonNodeAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public static async Task<JsonObject> BodyAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/>, returning its body.</summary>
    public static async Task<JsonObject> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, body["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body["title"]?.GetValue<string>()));
        return body;
    }

    /// <summary>The messages of the validation problem's errors, by field path.</summary>
    public static Dictionary<string, string> FieldErrors(this JsonObject problem) =>
        problem["errors"]!.AsArray().GroupBy(e => e!["field"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => string.Join(" | ", g.Select(e => e!["detail"]!.GetValue<string>())));

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
