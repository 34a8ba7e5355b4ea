using Campaigns.Domain.Calls;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Campaigns.Functions.Engine;

/// <summary>
/// The engine's queue and timer functions. Queue names carry the app setting <c>QueuePrefix</c> (empty in a deployment
/// of its own; tests and benchmarks give each app its own), as every queue the app sends to does.
/// </summary>
/// <remarks>Public, services from the invocation's container: see <see cref="Campaigns.Functions.Http.ApiFunctions"/>.</remarks>
public sealed class EngineFunctions(IServiceProvider services)
{
    private CampaignEngine Engine => services.GetRequiredService<CampaignEngine>();
    private OutcomeRecorder Recorder => services.GetRequiredService<OutcomeRecorder>();
    private ContactStore Contacts => services.GetRequiredService<ContactStore>();
    private EventRelay Relay => services.GetRequiredService<EventRelay>();

    /// <summary>Idempotent: a timer whose token is no longer the campaign's does nothing, and a tick claims each dial with an ETag.</summary>
    [Function("CampaignTimer")]
    public Task CampaignTimer([QueueTrigger("%QueuePrefix%" + EngineQueues.TimersQueue)] string message, CancellationToken cancellationToken) =>
        Engine.HandleAsync(EngineQueues.Parse<TimerMessage>(message), cancellationToken);

    /// <summary>Idempotent: the recorder keeps the first result of an attempt; a redelivered message is a duplicate.</summary>
    [Function("CallOutcome")]
    public async Task CallOutcome([QueueTrigger("%QueuePrefix%" + EngineQueues.OutcomesQueue)] string message, CancellationToken cancellationToken)
    {
        var outcome = EngineQueues.Parse<OutcomeMessage>(message);
        if (AttemptId.TryParse(outcome.Attempt, out var attempt) && CallOutcomeNames.TryParse(outcome.Outcome, out var named))
            await Recorder.RecordAsync(attempt, named, outcome.Disposition, outcome.DurationSeconds, cancellationToken);
        // a malformed message can never succeed: acknowledged, not retried
    }

    /// <summary>Idempotent: deleting rows that are gone already changes nothing; a second purge finds fewer rows or none.</summary>
    [Function("CampaignPurge")]
    public async Task CampaignPurge([QueueTrigger("%QueuePrefix%" + EngineQueues.PurgeQueue)] string message, CancellationToken cancellationToken)
    {
        var purge = EngineQueues.Parse<PurgeMessage>(message);
        await Contacts.PurgeAsync(purge.Campaign, purge.Shards, cancellationToken);
    }

    /// <summary>Idempotent: a relay pass moves only rows still in the outbox; a delivery sends from its destination's cursor.</summary>
    [Function("EventRelay")]
    public Task EventRelay([QueueTrigger("%QueuePrefix%" + EventQueue.QueueName)] string message, CancellationToken cancellationToken) =>
        Relay.HandleAsync(EventQueue.Parse(message), cancellationToken);

    /// <summary>
    /// Every minute: re-sends timers whose message was lost in a crash, and relays campaigns whose relay message was lost.
    /// Idempotent: a timer re-sent with the campaign's current token is harmless (stale copies do nothing).
    /// </summary>
    [Function("CampaignSweep")]
    public async Task CampaignSweep([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        await Engine.SweepAsync(cancellationToken);
        await Relay.SweepAsync(cancellationToken);
    }
}
