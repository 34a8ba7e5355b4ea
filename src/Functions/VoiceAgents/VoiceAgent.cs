using Campaigns.Domain.Calls;
using Campaigns.Domain.Contacts;
using Campaigns.Functions.Engine;
using NodaTime;

namespace Campaigns.Functions.VoiceAgents;

/// <summary>One call to place: everything the voice agent needs to run the script for this contact.</summary>
internal sealed record CallRequest(AttemptId Attempt, string AccountId, string ScriptId, string Language, ContactSpec Contact)
{
    /// <summary>
    /// The agent pool of a list-fed campaign's call (null for /v1 campaigns): an answered call asks it for a slot
    /// (<see cref="AgentPools.AnsweredAsync"/>) before the agent takes it.
    /// </summary>
    public PoolCampaign? Pool { get; init; }
}

/// <summary>
/// The port to voice-agent providers. Placing a call returns once the provider has accepted it; the result comes
/// back later through <see cref="Engine.OutcomeRecorder"/> (a queue message from the simulator, or the provider's
/// callback <c>POST /v1/calls/{call_id}/result</c>).
/// </summary>
internal interface IVoiceAgent
{
    Task PlaceCallAsync(CallRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// An answered call that waited in its agent pool's queue got a slot at <paramref name="at"/> (when a call ended or
    /// a wrap-up did): the agent takes it from then. <paramref name="note"/> is what the agent left with the pool when
    /// the call queued.
    /// </summary>
    Task ConnectedAsync(AttemptId attempt, Instant at, string? note, CancellationToken cancellationToken);

    /// <summary>How many calls may be handed to this provider at the same moment.</summary>
    int Concurrency { get; }
}
