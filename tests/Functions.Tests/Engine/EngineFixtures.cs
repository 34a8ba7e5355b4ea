using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

/// <summary>Monday 2 March 2026, 15:00 UTC: 10:00 in New York, 20:30 in Kolkata. Calls end at once.</summary>
public sealed class InstantCallsFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "0",
    ["Engine:MaxCallsInProgress"] = "5",
});

/// <summary>Same clock; simulated calls last an hour, so a test ends them itself through the result callback. Two lines.</summary>
public sealed class LongCallsFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "3600",
    ["Engine:MaxCallsInProgress"] = "2",
});

/// <summary>Helpers shared by the engine scenarios.</summary>
public static class Scenario
{
    /// <summary>New York numbers (area code 212, one zone), distinct by <paramref name="n"/>.</summary>
    public static string NewYork(int n) => Requests.UsPhone(n);

    public static JsonObject Contact(string phone, string? simulatedOutcome = null, string? timezone = null)
    {
        var contact = new JsonObject { ["phone"] = phone, ["name"] = "Contact " + phone };
        if (simulatedOutcome is not null)
            contact["simulated_outcome"] = simulatedOutcome;
        if (timezone is not null)
            contact["timezone"] = timezone;
        return contact;
    }

    public static async Task<string> CreateAsync(HttpClient client, IEnumerable<JsonObject> contacts, int maxAttempts = 1, int retryMinutes = 240, JsonObject? schedule = null)
    {
        var body = new JsonObject
        {
            ["name"] = "Engine scenario",
            ["script_id"] = "scr_1",
            ["language"] = "en-US",
            ["contacts"] = new JsonArray(contacts.Cast<JsonNode>().ToArray()),
            ["max_attempts"] = maxAttempts,
            ["retry_interval_minutes"] = retryMinutes,
        };
        if (schedule is not null)
            body["schedule"] = schedule;
        return (await client.CreateCampaignAsync(body))["id"]!.GetValue<string>();
    }

    public static async Task StartAsync(HttpClient client, string id) =>
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync(id, "start")).StatusCode);

    public static async Task<JsonObject> CampaignAsync(HttpClient client, string id) =>
        await (await client.GetAsync($"/v1/campaigns/{id}")).BodyAsync();

    public static async Task<Dictionary<string, JsonNode>> ContactsAsync(HttpClient client, string id) =>
        (await (await client.GetAsync($"/v1/campaigns/{id}/contacts?limit=1000")).BodyAsync())["data"]!.AsArray()
            .ToDictionary(c => c!["phone"]!.GetValue<string>(), c => c!);

    public static Task<JsonObject> UntilStatusAsync(HttpClient client, string id, string status, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => CampaignAsync(client, id), c => c["status"]!.GetValue<string>() == status, $"campaign {id} is {status}", timeout);

    public static Task<Dictionary<string, JsonNode>> UntilContactsAsync(HttpClient client, string id, Func<Dictionary<string, JsonNode>, bool> done, string what) =>
        Eventually.UntilAsync(() => ContactsAsync(client, id), done, what);

    /// <summary>Reports a call's result as a provider would, with the account's key.</summary>
    public static async Task<JsonObject> ReportAsync(HttpClient client, string callId, string outcome, string? disposition = null)
    {
        var body = new JsonObject { ["outcome"] = outcome, ["disposition"] = disposition, ["duration_seconds"] = 30 };
        var response = await client.PostAsync($"/v1/calls/{callId}/result", Requests.Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.BodyAsync();
    }

    /// <summary>The call id of a contact's current attempt: campaign, shard (1 shard for small campaigns), digits, attempt.</summary>
    public static string CallId(string campaignId, string phone, int attempt) => $"{campaignId}.0.{phone.TrimStart('+')}.{attempt}";

    public static int Count(this Dictionary<string, JsonNode> contacts, string status) =>
        contacts.Values.Count(c => c["status"]!.GetValue<string>() == status);

    public static Dictionary<string, int> Dispositions(this JsonObject campaign) =>
        campaign["disposition_summary"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<int>());
}
