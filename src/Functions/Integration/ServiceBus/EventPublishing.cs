namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// One integration event on its way to the broker. <see cref="Body"/> is the structured CloudEvent (JSON, UTF-8);
/// the rest is copied onto the AMQP message: message-id = <see cref="Id"/>, subject = <see cref="Type"/>, application
/// properties <c>campaign_id</c> and <c>workspace</c>, partition key = <see cref="CampaignId"/>.
/// </summary>
internal sealed record OutgoingEvent(string Id, string Type, string CampaignId, string Workspace, ReadOnlyMemory<byte> Body);

/// <summary>Publishes integration events to the configured topic, in the order given.</summary>
internal interface IEventPublisher
{
    /// <summary>Whether a broker is configured at all; when not, the broker is not a destination of events.</summary>
    bool Enabled { get; }

    /// <summary>
    /// Sends every event, in order, and returns once the broker has accepted all of them. On failure it throws
    /// <see cref="EventPublishException"/> saying how many events at the front of the list were accepted; the caller
    /// sends the rest again later (their ids unchanged, so the broker's duplicate detection and idempotent consumers
    /// see one event).
    /// </summary>
    Task PublishAsync(IReadOnlyList<OutgoingEvent> events, CancellationToken cancellationToken);
}

internal sealed class EventPublishException(int acceptedPrefix, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>How many events at the front of the batch the broker accepted before the failure.</summary>
    public int AcceptedPrefix { get; } = acceptedPrefix;
}

/// <summary>A call result that arrived as a message on the <c>CallResultsQueue</c>.</summary>
internal sealed record InboundCallResult(string? MessageId, ReadOnlyMemory<byte> Body, IReadOnlyDictionary<string, object?> ApplicationProperties);

/// <summary>What became of an inbound call result message.</summary>
internal enum InboundDisposition
{
    /// <summary>Recorded now: settle the message as accepted (complete).</summary>
    Recorded,
    /// <summary>Recorded before (a redelivery): accept it too, it changes nothing.</summary>
    Duplicate,
    /// <summary>Can never be recorded (bad JSON, unknown call): reject it, so Service Bus dead-letters it with the reason.</summary>
    Invalid,
}

internal sealed record InboundOutcome(InboundDisposition Disposition, string? Reason = null);

/// <summary>
/// The one idempotent handler of call results that arrive as messages (the HTTP callback shares its rules). A thrown
/// exception means "try again later": the listener releases the message for redelivery.
/// </summary>
internal interface ICallResultInbox
{
    Task<InboundOutcome> HandleAsync(InboundCallResult message, CancellationToken cancellationToken);
}
