using Campaigns.Domain.Campaigns;
using Campaigns.Functions.Storage;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using NodaTime;

namespace Campaigns.Functions.Engine;

/// <summary>
/// The client side of the campaigns' orchestrations: wakes one, starts it when it is missing, ends and purges it when
/// its campaign is deleted. The campaign row decides whether an orchestration should run: one that should and does
/// not (a crash between a campaign's write and its wake-up, an orchestration that failed) is started again here, from
/// a wake-up or from the sweep (<see cref="WakeOverdueAsync"/>).
/// </summary>
internal sealed partial class CampaignInstances(
    CampaignStore campaigns, CampaignEngine engine, EngineQueues queues, EngineMetrics metrics, ILogger<CampaignInstances> log)
{
    /// <summary>
    /// Raises the wake-up on the campaign's orchestration. When the orchestration is not running (never started,
    /// completed, failed, terminated) and the campaign still needs one (it exists and is neither completed nor stopped),
    /// starts it under the campaign's instance id; a start that races another start is refused by the task hub
    /// (AlreadyExists), and the wake-up is raised on the winner instead.
    /// </summary>
    public async Task WakeAsync(DurableTaskClient client, WakeMessage wake, CancellationToken cancellationToken)
    {
        var instanceId = CampaignOrchestration.InstanceId(wake.Campaign);
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (instance is null || instance.IsCompleted)
        {
            var stored = await campaigns.GetAsync(wake.Account, wake.Campaign, cancellationToken);
            if (stored is null || stored.Campaign.Status is CampaignStatus.Completed or CampaignStatus.Stopped)
                return; // nothing left to run
            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(CampaignOrchestration.Orchestrator,
                    new CampaignLoop(wake.Account, wake.Campaign), new StartOrchestrationOptions(InstanceId: instanceId), cancellationToken);
                Interlocked.Increment(ref metrics.OrchestrationsStarted);
                LogStarted(wake.Campaign, wake.Reason, instance?.RuntimeStatus.ToString() ?? "none");
                return; // a new orchestration looks first thing
            }
            catch (OrchestrationAlreadyExistsException)
            {
                // Started a moment ago by another wake-up: give it this one too.
            }
        }
        await client.RaiseEventAsync(instanceId, CampaignOrchestration.WakeEvent, new Wake(wake.Reason, wake.Due), cancellationToken);
        Interlocked.Increment(ref metrics.EventsRaised);
    }

    /// <summary>
    /// Ends a deleted campaign's orchestration (it would end by itself at its next look, which may be a day away) and
    /// purges its history and instance rows. Waits for the termination to take effect, as a purge only removes an
    /// instance that is no longer running; a purge that times out is retried with the queue message.
    /// </summary>
    public async Task PurgeAsync(DurableTaskClient client, string campaignId, CancellationToken cancellationToken)
    {
        var instanceId = CampaignOrchestration.InstanceId(campaignId);
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (instance is null)
            return;
        if (!instance.IsCompleted)
        {
            await client.TerminateInstanceAsync(instanceId, "the campaign was deleted", cancellationToken);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            waiting.CancelAfter(TimeSpan.FromMinutes(2));
            await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: false, waiting.Token);
        }
        await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken);
    }

    /// <summary>
    /// Wakes every campaign whose orchestration is overdue by more than <paramref name="grace"/>
    /// (<see cref="CampaignEngine.OverdueAsync"/>): the wake-up starts the orchestration if it is missing.
    /// </summary>
    public async Task<int> WakeOverdueAsync(Duration grace, CancellationToken cancellationToken)
    {
        var woken = 0;
        await foreach (var stored in engine.OverdueAsync(grace, cancellationToken))
        {
            await queues.WakeAsync(stored.AccountId, stored.Campaign.Id, "overdue", cancellationToken);
            woken++;
        }
        if (woken > 0)
            LogOverdue(woken);
        return woken;
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Campaign {CampaignId}: orchestration started ({Reason}; it was {Previous})")]
    private partial void LogStarted(string campaignId, string reason, string previous);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "{Count} campaign(s) overdue for a look were woken")]
    private partial void LogOverdue(int count);
}
