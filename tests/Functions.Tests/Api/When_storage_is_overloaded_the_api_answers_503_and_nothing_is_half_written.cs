using System.Net;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Tests.Events;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

/// <summary>
/// The app's table traffic goes through a fault proxy: tests make storage stall (no answer in time) or throttle (503
/// ServerBusy) and see what clients get. One try of a storage request may take 3 s, and it is retried once.
/// </summary>
public sealed class FaultyStorageFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Storage:NetworkTimeoutSeconds"] = "3",
    ["Storage:MaxRetries"] = "1",
})
{
    public StorageFaultProxy Proxy { get; private set; } = null!;

    protected override async Task<string> AppStorageAsync(string azurite)
    {
        Proxy = await StorageFaultProxy.StartAsync(azurite);
        return Proxy.ConnectionStringFor(azurite);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Proxy.DisposeAsync();
    }
}

public sealed class When_storage_is_overloaded_the_api_answers_503_and_nothing_is_half_written(FaultyStorageFixture app)
    : IClassFixture<FaultyStorageFixture>, IDisposable
{
    public void Dispose() => app.Proxy.Heal();

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("urn:campaigns:problem:storage-unavailable", problem["type"]!.GetValue<string>());
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task A_throttling_storage_gets_503_with_retry_after_for_reads_and_writes()
    {
        var (client, _) = await app.NewAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/campaigns")).StatusCode); // the key is resolved and cached

        app.Proxy.Fault = StorageFault.Throttle;
        await AssertUnavailableAsync(await client.GetAsync("/v1/campaigns"));
        await AssertUnavailableAsync(await client.PostAsync("/v1/campaigns", Requests.Json(Requests.Campaign(3))));
        Assert.True(app.Proxy.Faulted > 0);

        app.Proxy.Heal();
        var list = await client.GetFromJsonNodeAsync("/v1/campaigns");
        Assert.Empty(list["data"]!.AsArray());
    }

    [Fact]
    public async Task A_create_that_times_out_half_way_leaves_no_campaign_and_its_retry_is_whole()
    {
        var (client, _) = await app.NewAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/campaigns")).StatusCode);
        var body = Requests.Campaign(1_500);
        HttpRequestMessage Create()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/campaigns") { Content = Requests.Json(body) };
            request.Headers.Add("Idempotency-Key", "create-under-timeouts");
            return request;
        }

        app.Proxy.Fault = StorageFault.Stall;
        app.Proxy.PassFirst(4); // some contact transactions commit, then storage stops answering
        await AssertUnavailableAsync(await client.SendAsync(Create()));

        app.Proxy.Heal();
        Assert.Empty((await client.GetFromJsonNodeAsync("/v1/campaigns"))["data"]!.AsArray());
        var retried = await client.SendAsync(Create());
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var id = (await retried.BodyAsync())["id"]!.GetValue<string>();
        var campaign = await client.GetFromJsonNodeAsync($"/v1/campaigns/{id}");
        Assert.Equal(1_500, campaign["total_contacts"]!.GetValue<int>());
        var first = await client.GetFromJsonNodeAsync($"/v1/campaigns/{id}/contacts?limit=1000");
        var second = await client.GetFromJsonNodeAsync($"/v1/campaigns/{id}/contacts?limit=1000&cursor={first["next_cursor"]!.GetValue<string>()}");
        Assert.Equal(1_500, first["data"]!.AsArray().Count + second["data"]!.AsArray().Count);
        Assert.Single((await client.GetFromJsonNodeAsync("/v1/campaigns"))["data"]!.AsArray());
    }

    [Fact]
    public async Task A_status_change_that_times_out_answers_503_and_changes_nothing()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = (await client.CreateCampaignAsync(Requests.Campaign(2)))["id"]!.GetValue<string>();

        app.Proxy.Fault = StorageFault.Stall;
        await AssertUnavailableAsync(await client.PatchAsync(id, "start"));
        app.Proxy.PassFirst(1); // the campaign is read, its change is not written
        await AssertUnavailableAsync(await client.PatchAsync(id, "stop"));

        app.Proxy.Heal();
        Assert.Equal("scheduled", (await client.GetFromJsonNodeAsync($"/v1/campaigns/{id}"))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync(id, "stop")).StatusCode);
    }

    [Fact]
    public async Task A_queue_function_that_meets_throttling_fails_and_its_message_comes_back_until_storage_answers()
    {
        var (client, _) = await app.NewAccountAsync();
        string? id = null;
        for (var attempt = 1; id is null; attempt++)
        {
            app.Proxy.Fault = StorageFault.Throttle;
            app.Proxy.PassFirst(6); // the create commits (key, campaign row, its outbox mark and row); its relay meets throttling
            using var response = await client.PostAsync("/v1/campaigns", Requests.Json(Requests.Campaign(1)));
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 5)
            {
                // The app's background table traffic (the sweep, the task hub) took some of the six: the create met
                // the throttling itself and was refused whole (another test shows nothing is half-written). Again.
                app.Proxy.Heal();
                continue;
            }

            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            id = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        }

        app.Clock.Advance(TimeSpan.FromSeconds(2)); // campaign.created is old enough to leave

        var relayQueue = new QueueClient(app.StorageConnectionString, app.Prefix + "-" + EventQueue.QueueName);
        await Eventually.UntilAsync(async () => (await relayQueue.PeekMessagesAsync(32)).Value, messages => messages.Any(m => m.DequeueCount >= 2),
            "the relay message comes back after its function failed", TimeSpan.FromSeconds(30));

        app.Proxy.Heal();
        var stream = await EventStreams.UntilAsync(app, id, events => events.Count > 0, TimeSpan.FromSeconds(30));
        Assert.Equal("campaign.created", stream[0].Type);
    }
}
