using Campaigns.Domain.Campaigns;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

/// <summary>
/// The repair path: a campaign that should have an orchestration and has none (the process died between the campaign's
/// write and its wake-up, or the instance failed) is found by the sweep and its orchestration started again.
/// </summary>
public sealed class When_an_orchestration_is_lost_the_sweep_starts_it_again(InstantCallsFixture app) : IClassFixture<InstantCallsFixture>
{
    [Fact]
    public async Task A_campaign_started_without_its_wake_up_is_run_to_completion_after_the_sweep()
    {
        var (client, key) = await app.NewAccountAsync();
        var phones = Enumerable.Range(400, 3).Select(Scenario.NewYork).ToList();
        var id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p, "interested")));
        var account = await app.AccountOfAsync(key);

        // The start action's write, and then a crash: no wake-up is sent, so no orchestration runs.
        var campaigns = app.Service<CampaignStore>();
        var stored = (await campaigns.GetAsync(account, id, CancellationToken.None))!;
        await campaigns.ReplaceAsync(stored, stored.Campaign.Apply(CampaignTrigger.Start, NodaTime.Instant.FromDateTimeOffset(app.Clock.GetUtcNow())), CancellationToken.None);
        Assert.Null(await TaskHubRows.StatusAsync(app, CampaignOrchestration.InstanceId(id)));
        Assert.Equal(0, (await Scenario.CampaignAsync(client, id))["calls_made"]!.GetValue<int>());

        // A minute later the sweep sees a running campaign that nobody has looked at since it changed.
        app.Clock.Advance(TimeSpan.FromSeconds(90));
        Assert.True(await app.Service<CampaignInstances>().WakeOverdueAsync(NodaTime.Duration.FromSeconds(60), CancellationToken.None) >= 1);

        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        Assert.Equal(3, done["calls_made"]!.GetValue<int>());
        Assert.Equal(3, done["calls_connected"]!.GetValue<int>());
        await Eventually.UntilAsync(() => TaskHubRows.StatusAsync(app, CampaignOrchestration.InstanceId(id)), s => s == "Completed", "the orchestration ends with its campaign");
    }
}
