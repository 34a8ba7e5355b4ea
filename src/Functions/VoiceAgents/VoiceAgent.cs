using Campaigns.Domain.Calls;
using Campaigns.Domain.Contacts;

namespace Campaigns.Functions.VoiceAgents;

/// <summary>One call to place: everything the voice agent needs to run the script for this contact.</summary>
internal sealed record CallRequest(AttemptId Attempt, string AccountId, string ScriptId, string Language, ContactSpec Contact);

/// <summary>
/// The port to voice-agent providers. Placing a call returns once the provider has accepted it; the result comes
/// back later through <see cref="Engine.OutcomeRecorder"/> (a queue message from the simulator, or the provider's
/// callback <c>POST /v1/calls/{call_id}/result</c>).
/// </summary>
internal interface IVoiceAgent
{
    Task PlaceCallAsync(CallRequest request, CancellationToken cancellationToken);

    /// <summary>How many calls may be handed to this provider at the same moment.</summary>
    int Concurrency { get; }
}
