using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Campaigns.Testing.ServiceBus.Entities;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>
/// Between the AMQP messages on the wire and the broker's <see cref="StoredMessage"/>: taking apart what senders send,
/// and stamping what Service Bus adds to what receivers get. The SDK reads these, and only these, broker fields:
/// <c>x-opt-sequence-number</c> (long), <c>x-opt-enqueued-time</c> and <c>x-opt-locked-until</c> (timestamps) in the
/// message annotations, the header's delivery-count (the SDK adds one for a received message, none for a peeked one),
/// and the lock token from a 16-byte delivery tag (see <see cref="BrokerRun"/>).
/// </summary>
internal static class WireMessages
{
    /// <summary>The SDK's batch: message-format 0x80013700 with each message, encoded whole, in its own data section.</summary>
    public const uint BatchFormat = 0x80013700;

    public static readonly Symbol SequenceNumber = "x-opt-sequence-number";
    public static readonly Symbol EnqueuedTime = "x-opt-enqueued-time";
    public static readonly Symbol LockedUntil = "x-opt-locked-until";
    public static readonly Symbol LockToken = "x-opt-lock-token";
    public static readonly Symbol ScheduledEnqueueTime = "x-opt-scheduled-enqueue-time";

    /// <summary>The messages a transfer carries: the SDK sends one message as itself, several as a batch.</summary>
    public static IReadOnlyList<IncomingMessage> Unbatch(Message received)
    {
        if (received.Format != BatchFormat)
            return [Read(ToBytes(received.Encode()))];

        var sections = received.BodySection switch
        {
            DataList list => Enumerable.Range(0, list.Count).Select(i => list[i]).ToList(),
            Data data => [data],
            _ => throw new BrokerException(ErrorCode.DecodeError, "A batched message must carry its messages in data sections."),
        };
        return sections.Select(section => Read(section.Binary)).ToList();
    }

    /// <summary>What a receiver gets: the sender's message with the broker's annotations, and the lock for peek-lock.</summary>
    public static Message ForDelivery(StoredMessage stored, LockedMessage? locked)
    {
        var message = Stamp(stored, (uint)Math.Max(0, stored.DeliveryCount - 1));
        if (locked is not null)
        {
            message.MessageAnnotations[LockedUntil] = locked.LockedUntil.UtcDateTime;
            message.DeliveryAnnotations = new DeliveryAnnotations { [LockToken] = locked.LockToken };
        }

        return message;
    }

    /// <summary>What a peek returns: no lock, and the delivery count as it stands.</summary>
    public static Message ForPeek(StoredMessage stored) => Stamp(stored, (uint)stored.DeliveryCount);

    /// <summary>The lock token of a message this broker sent, read back when its receiver settles it.</summary>
    public static Guid? LockTokenOf(Message sent) =>
        sent.DeliveryAnnotations?[LockToken] is Guid token ? token : null;

    public static byte[] ToBytes(ByteBuffer buffer) => buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();

    public static Message Decode(byte[] encoded) => Message.Decode(new ByteBuffer(encoded, 0, encoded.Length, encoded.Length));

    private static IncomingMessage Read(byte[] encoded)
    {
        var message = Decode(encoded);
        if (message.MessageAnnotations?[ScheduledEnqueueTime] is not null)
            throw new BrokerException(ErrorCode.NotImplemented, "Scheduled messages are not emulated by this test broker.");
        return new IncomingMessage(encoded, message.Properties?.GetMessageId()?.ToString());
    }

    private static Message Stamp(StoredMessage stored, uint headerDeliveryCount)
    {
        var message = Decode(stored.Encoded);
        message.Header ??= new Header();
        message.Header.DeliveryCount = headerDeliveryCount;
        message.MessageAnnotations ??= new MessageAnnotations();
        message.MessageAnnotations[SequenceNumber] = stored.SequenceNumber;
        message.MessageAnnotations[EnqueuedTime] = stored.EnqueuedTime.UtcDateTime;
        if (stored.PropertyChanges.Count > 0)
        {
            message.ApplicationProperties ??= new ApplicationProperties();
            foreach (var (key, value) in stored.PropertyChanges)
                message.ApplicationProperties[key] = value;
        }

        return message;
    }
}

/// <summary>An AMQP error to answer with, for a refusal that Service Bus also makes.</summary>
internal sealed class BrokerException(Symbol condition, string description) : Exception(description)
{
    public Symbol Condition { get; } = condition;

    public Error ToError() => new(Condition) { Description = Message };
}
