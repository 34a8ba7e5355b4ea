namespace Campaigns.Testing.ServiceBus.Entities;

/// <summary>
/// A message as the broker keeps it: the sender's encoded AMQP message, untouched, plus what Service Bus adds and
/// changes while it is stored. Keeping the sender's bytes means every property the SDK sets round-trips without this
/// broker having to know it; what the broker adds is stamped on a fresh copy at each delivery (see <c>WireMessages</c>).
/// The mutable fields belong to the <see cref="MessageQueue"/> that holds the message and change only under its lock.
/// </summary>
internal sealed class StoredMessage
{
    public StoredMessage(byte[] encoded, string? messageId, long sequenceNumber, DateTimeOffset enqueuedTime)
    {
        Encoded = encoded;
        MessageId = messageId;
        SequenceNumber = sequenceNumber;
        EnqueuedTime = enqueuedTime;
    }

    /// <summary>The message as the sender encoded it (one message, already taken out of a batch).</summary>
    public byte[] Encoded { get; }

    public string? MessageId { get; }

    /// <summary>Given by the queue or topic the message was sent to; a topic's subscriptions share it.</summary>
    public long SequenceNumber { get; }

    public DateTimeOffset EnqueuedTime { get; }

    /// <summary>Times the message has been handed out, as the SDK reports it (1 on the first receive).</summary>
    public int DeliveryCount { get; set; }

    /// <summary>
    /// Application properties set by the broker or by a settlement after the send: the properties-to-modify of an
    /// abandon or dead-letter, and DeadLetterReason/DeadLetterErrorDescription. They win over the sender's.
    /// </summary>
    public Dictionary<string, object?> PropertyChanges { get; } = new(StringComparer.Ordinal);

    /// <summary>A subscription's own copy of a message sent to its topic: same bytes and numbers, its own state.</summary>
    public StoredMessage Copy() => new(Encoded, MessageId, SequenceNumber, EnqueuedTime);
}
