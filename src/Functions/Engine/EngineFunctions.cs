using Campaigns.Domain.Calls;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Campaigns.Functions.Engine;

/// <summary>
/// The engine's queue and timer functions (the orchestration and its activity are in <see cref="CampaignOrchestration"/>). Queue names carry the app setting <c>QueuePrefix</c> (empty in a deployment
/// of its own; tests and benchmarks give each app its own), as every queue the app sends to does.
/// </summary>
/// <remarks>Public, services from the invocation's container: see <see cref="Campaigns.Functions.Http.ApiFunctions"/>.</remarks>
public sealed class EngineFunctions(IServiceProvider services)
{
    private CampaignInstances Instances => services.GetRequiredService<CampaignInstances>();
    private OutcomeRecorder Recorder => services.GetRequiredService<OutcomeRecorder>();
    private ContactStore Contacts => services.GetRequiredService<ContactStore>();
    private EventRelay Relay => services.GetRequiredService<EventRelay>();

    /// <summary>
    /// Forwards a wake-up to the campaign's orchestration, or starts the orchestration when the campaign needs one and
    /// has none (<see cref="CampaignInstances.WakeAsync"/>). Idempotent: a repeated wake-up makes one more look at most.
    /// </summary>
    [Function("CampaignWake")]
    public Task CampaignWake([QueueTrigger("%QueuePrefix%" + EngineQueues.WakesQueue)] string message,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        Instances.WakeAsync(client, EngineQueues.Parse<WakeMessage>(message), cancellationToken);

    /// <summary>Idempotent: the recorder keeps the first result of an attempt; a redelivered message is a duplicate.</summary>
    [Function("CallOutcome")]
    public async Task CallOutcome([QueueTrigger("%QueuePrefix%" + EngineQueues.OutcomesQueue)] string message, CancellationToken cancellationToken)
    {
        var outcome = EngineQueues.Parse<OutcomeMessage>(message);
        if (AttemptId.TryParse(outcome.Attempt, out var attempt) && CallOutcomeNames.TryParse(outcome.Outcome, out var named))
            await Recorder.RecordAsync(attempt, named, outcome.Disposition, outcome.DurationSeconds, cancellationToken);
        // a malformed message can never succeed: acknowledged, not retried
    }

    /// <summary>
    /// Ends and purges a deleted campaign's orchestration, then removes its contact rows; notes the deletion for retention
    /// first, which removes the rest (its event stream, its agent pool) <c>Retention__DeletedCampaignDays</c> later.
    /// Idempotent: a purged instance is not found again; deleting rows that are gone already changes nothing; the note is
    /// an upsert.
    /// </summary>
    [Function("CampaignPurge")]
    public async Task CampaignPurge([QueueTrigger("%QueuePrefix%" + EngineQueues.PurgeQueue)] string message,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        var purge = EngineQueues.Parse<PurgeMessage>(message);
        await services.GetRequiredService<Retention.IRetentionNotes>().CampaignDeletedAsync(
            purge.Account, purge.Campaign, NodaTime.Instant.FromDateTimeOffset(services.GetRequiredService<TimeProvider>().GetUtcNow()), cancellationToken);
        await Instances.PurgeAsync(client, purge.Campaign, cancellationToken);
        await Contacts.PurgeAsync(purge.Campaign, purge.Shards, cancellationToken);
    }

    /// <summary>Idempotent: a relay pass moves only rows still in the outbox; a delivery sends from its destination's cursor.</summary>
    [Function("EventRelay")]
    public Task EventRelay([QueueTrigger("%QueuePrefix%" + EventQueue.QueueName)] string message, CancellationToken cancellationToken) =>
        Relay.HandleAsync(EventQueue.Parse(message), cancellationToken);

    /// <summary>
    /// Every minute: wakes campaigns whose orchestration is overdue (missing after a crash, or stuck), which starts it
    /// again (<see cref="CampaignEngine.OverdueAsync"/>), and relays campaigns whose relay message was lost.
    /// Idempotent: waking a healthy orchestration only makes it look once more.
    /// </summary>
    [Function("CampaignSweep")]
    public async Task CampaignSweep([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        await Instances.WakeOverdueAsync(SweepGrace, cancellationToken);
        await Relay.SweepAsync(cancellationToken);
    }

    /// <summary>How late a campaign's look may be before the sweep steps in: durable timers fire a few seconds late when busy.</summary>
    private static readonly NodaTime.Duration SweepGrace = NodaTime.Duration.FromSeconds(60);
}
