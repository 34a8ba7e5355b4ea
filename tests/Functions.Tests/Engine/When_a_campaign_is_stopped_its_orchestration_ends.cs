using Campaigns.Functions.Engine;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

/// <summary>
/// Pause and resume reach a campaign's orchestration as wake-ups and it goes on sleeping or dialing; stop ends it for
/// good, calls in progress still report. Read from the task hub's own Instances table.
/// </summary>
public sealed class When_a_campaign_is_stopped_its_orchestration_ends(LongCallsFixture app) : IClassFixture<LongCallsFixture>
{
    [Fact]
    public async Task Pause_and_resume_keep_it_running_and_stop_completes_it()
    {
        var (client, _) = await app.NewAccountAsync();
        var phones = Enumerable.Range(500, 4).Select(Scenario.NewYork).ToList();
        var id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p)));
        var instance = CampaignOrchestration.InstanceId(id);
        Assert.Null(await TaskHubRows.StatusAsync(app, instance)); // created without a schedule: nothing runs until start

        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 2, "two calls start (two lines)");
        Assert.Equal("Running", await TaskHubRows.StatusAsync(app, instance));

        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PatchAsync(id, "pause")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PatchAsync(id, "resume")).StatusCode);
        var queues = app.Service<EngineQueues>();
        await Eventually.UntilAsync(async () => (await queues.Wakes.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, "both wake-ups are forwarded");
        Assert.Equal("Running", await TaskHubRows.StatusAsync(app, instance));

        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PatchAsync(id, "stop")).StatusCode);
        await Eventually.UntilAsync(() => TaskHubRows.StatusAsync(app, instance), s => s == "Completed", "the stop ends the orchestration");
        Assert.Equal(2, (await Scenario.CampaignAsync(client, id))["calls_made"]!.GetValue<int>());
    }
}
