using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Dialer;

/// <summary>
/// Deleting a campaign ends its orchestration at once (it would otherwise end at its next look) and purges the
/// instance's history and status from the task hub.
/// </summary>
public sealed class When_a_campaign_is_deleted_its_orchestration_is_ended_and_purged(DialerFixture app) : IClassFixture<DialerFixture>
{
    [Fact]
    public async Task The_instance_is_gone_from_the_task_hub_and_nobody_more_is_dialed()
    {
        var campaign = await DialerCampaign.CreateAsync(app, new JsonObject { ["max_active_calls"] = 1 }, prospects: 3);
        await campaign.ResumeAsync();
        await campaign.UntilCallsMadeAsync(1);
        var instance = CampaignOrchestration.InstanceId(campaign.Id);
        Assert.Equal("Running", await TaskHubRows.StatusAsync(app, instance));

        Assert.Equal(HttpStatusCode.NoContent, (await campaign.Client.DeleteAsync($"/api/v/campaign/{campaign.Slug}/")).StatusCode);

        await Eventually.UntilAsync(() => TaskHubRows.StatusAsync(app, instance), s => s is null, "the instance is purged");
        // A late wake-up (a call's result after the delete): forwarded, it starts nothing for a campaign that is gone.
        var queues = app.Service<EngineQueues>();
        await queues.WakeAsync(campaign.Account, campaign.Id, "call ended", CancellationToken.None);
        await Eventually.UntilAsync(async () => (await queues.Wakes.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, "the wake-up is forwarded");
        Assert.Null(await TaskHubRows.StatusAsync(app, instance));
    }
}
