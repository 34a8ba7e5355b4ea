using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Nodes;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Dialer;

/// <summary>
/// Monday 2 March 2026, 15:00 UTC: 10:00 in New York, inside the default prospect hours. Simulated calls last an
/// hour, so a test ends them itself through the result callback. Agent pools: 2 slots by default, <c>agent_one</c> 1,
/// <c>agent_three</c> 3.
/// </summary>
public sealed class DialerFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "3600",
    ["Engine:MaxCallsInProgress"] = "20",
    ["Engine:AgentSlots"] = "2",
    ["Engine:AgentSlotsByAgent:agent_one"] = "1",
    ["Engine:AgentSlotsByAgent:agent_three"] = "3",
});

/// <summary>A list-fed campaign of one test: its account, ids, and helpers to drive it over the API.</summary>
internal sealed class DialerCampaign
{
    private readonly AppFixture _app;

    private DialerCampaign(AppFixture app, HttpClient client, string account, string id, string slug, string listId)
    {
        (_app, Client, Account, Id, Slug, ListId) = (app, client, account, id, slug, listId);
    }

    public HttpClient Client { get; }
    public string Account { get; }
    public string Id { get; }
    public string Slug { get; }
    public string ListId { get; }

    /// <summary>
    /// A new account with a campaign created paused (so prospects can be added before anyone is dialed) with
    /// <paramref name="settings"/>, its list, and <paramref name="prospects"/> New York prospects that answer.
    /// </summary>
    public static async Task<DialerCampaign> CreateAsync(AppFixture app, JsonObject settings, int prospects, string outcome = "interested")
    {
        var (client, key) = await app.NewAccountAsync();
        settings["name"] = "Dialer " + Guid.NewGuid().ToString("N")[..6];
        settings["paused"] = true;
        var created = await client.PostAsync("/api/v/campaign/", Requests.Json(settings));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var campaign = await created.BodyAsync();
        var slug = campaign["slug"]!.GetValue<string>();
        var list = await (await client.PostAsync("/api/v/list/", Requests.Json(new JsonObject { ["name"] = "List", ["campaign"] = slug }))).BodyAsync();
        var dialer = new DialerCampaign(app, client, await app.AccountOfAsync(key), campaign["id"]!.GetValue<string>(), slug, list["uuid"]!.GetValue<string>());
        for (var i = 0; i < prospects; i++)
            await dialer.AddAsync(Phone(i), outcome);
        return dialer;
    }

    /// <summary>New York numbers, distinct by <paramref name="n"/>.</summary>
    public static string Phone(int n) => Scenario.NewYork(n);

    public async Task AddAsync(string phone, string outcome)
    {
        var added = await Client.PostAsync($"/api/v/prospect/{ListId}/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["primary_phone"] = phone, ["first_name"] = "Pat", ["simulated_outcome"] = outcome,
        }));
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
    }

    /// <summary>PATCH /api/v/campaign/{slug}/ with <paramref name="change"/>.</summary>
    public async Task PatchAsync(JsonObject change)
    {
        var response = await Client.PatchAsync($"/api/v/campaign/{Slug}/", Requests.Json(change));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public Task ResumeAsync() => PatchAsync(new JsonObject { ["paused"] = false });

    public async Task<int> CallsMadeAsync() => (await Scenario.CampaignAsync(Client, Id))["calls_made"]!.GetValue<int>();

    public Task<JsonObject> UntilCallsMadeAsync(int calls) =>
        Eventually.UntilAsync(() => Scenario.CampaignAsync(Client, Id), c => c["calls_made"]!.GetValue<int>() == calls, $"{calls} calls are made");

    /// <summary>
    /// Waits until the engine has nothing left to do at the fake clock's time (<see cref="SettledAsync"/>), then
    /// asserts that the number of calls made is <paramref name="calls"/>: nothing more can be dialed until the clock moves.
    /// </summary>
    public async Task StaysAtAsync(int calls)
    {
        // A minute: on a loaded machine Azurite has stalled for 18-20 s at a time (docs/benchmarks.md), and settling
        // needs the wake-up, the look and four quiet polls after it.
        await Eventually.UntilAsync(SettledAsync, settled => settled, "the engine has handled everything sent to it and sleeps until a later time", TimeSpan.FromMinutes(1));
        Assert.Equal(calls, await CallsMadeAsync());
    }

    /// <summary>
    /// The campaign's next look (if any) is after the clock's time, and every wake-up, result and Durable message sent
    /// so far has been handled: none visible on the engine's queues or the task hub's control and work-item queues,
    /// none in the local host's hands. It must hold at four successive polls with no invocation started in between, as
    /// a message may be between a queue and an invocation (the Durable dispatcher reads an orchestration's history
    /// before it invokes the worker): the gap is the poll interval of <see cref="Eventually"/>, not a sleep here.
    /// </summary>
    private async Task<bool> SettledAsync()
    {
        var started = _app.App.Host.Invocations.Started;
        var quiet = await QuietAsync();
        _quietPolls = quiet && _quietSince == started ? _quietPolls + 1 : 0;
        _quietSince = quiet ? started : null;
        return _quietPolls >= QuietPollsToSettle;
    }

    /// <summary>Quiet polls in a row, after the first, that settle the campaign (about 200 ms at Eventually's pace).</summary>
    private const int QuietPollsToSettle = 3;

    /// <summary>The host's started-invocation count at the last quiet poll, if the last poll was quiet.</summary>
    private long? _quietSince;
    private int _quietPolls;

    private async Task<bool> QuietAsync()
    {
        var invocations = _app.App.Host.Invocations;
        bool Idle() => invocations.InFlight == 0;
        var now = NodaTime.Instant.FromDateTimeOffset(_app.Clock.GetUtcNow());
        var stored = await _app.Service<CampaignStore>().GetAsync(Account, Id, CancellationToken.None);
        if (stored is null || stored.Engine.NextLookAt <= now || !Idle())
            return false;
        var queues = _app.Service<EngineQueues>();
        foreach (var queue in new[] { queues.Wakes, queues.Outcomes }.Concat(TaskHubQueues()))
        {
            if ((await queue.PeekMessagesAsync(1)).Value.Length > 0)
                return false;
        }
        return Idle();
    }

    /// <summary>The control queues (host.json partitionCount: 4) and the work-item queue of the app's task hub.</summary>
    private IEnumerable<Azure.Storage.Queues.QueueClient> TaskHubQueues()
    {
        var hub = _app.Prefix.ToLowerInvariant();
        return Enumerable.Range(0, 4).Select(p => $"{hub}-control-{p:00}").Append($"{hub}-workitems")
            .Select(name => new Azure.Storage.Queues.QueueClient(_app.StorageConnectionString, name));
    }

    public Task<Dictionary<string, JsonNode>> ContactsAsync() => Scenario.ContactsAsync(Client, Id);

    /// <summary>Call ids of every attempt started so far, by contact.</summary>
    public async Task<List<string>> CallIdsAsync() =>
        (await ContactsAsync()).Values.SelectMany(c => c["calls"]!.AsArray().Select(a => a!["call_id"]!.GetValue<string>())).ToList();

    /// <summary>Ends a call as its provider would report it.</summary>
    public async Task EndAsync(string callId, string outcome = "answered", string? disposition = "interested")
    {
        var body = new JsonObject { ["outcome"] = outcome, ["disposition"] = disposition, ["duration_seconds"] = 30 };
        var response = await Client.PostAsync($"/v1/calls/{callId}/result", Requests.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{callId}: {(int)response.StatusCode} {text}");
        Assert.Contains("\"recorded\":true", text);
    }

    /// <summary>The campaign's agent pool as stored.</summary>
    public Task<AgentPoolRow?> PoolAsync(string agentId) =>
        _app.Service<AgentPools>().ReadAsync(Account, AgentPoolStore.AgentKey(agentId), CancellationToken.None);

    public async Task<AgentPoolRow> UntilPoolAsync(string agentId, Func<AgentPoolRow, bool> done, string what) =>
        (await Eventually.UntilAsync(() => PoolAsync(agentId), p => p is not null && done(p), what))!;

    public void Advance(TimeSpan by) => _app.Clock.Advance(by);
}
