namespace Campaigns.Testing.ServiceBus.Entities;

/// <summary>A message on its way in: the sender's encoded bytes and its MessageId (for duplicate detection).</summary>
internal sealed record IncomingMessage(byte[] Encoded, string? MessageId);

/// <summary>Where a sender can attach: a queue or a topic. Accepting is all or nothing for a batch.</summary>
internal interface ISendTarget
{
    string Path { get; }

    void Accept(IReadOnlyList<IncomingMessage> messages);
}

/// <summary>
/// Gives sequence numbers, stamps the enqueued time and drops duplicates, for a queue or a topic. The entity calls it
/// under its own lock, so that sequence numbers are in the order messages reach the store.
/// </summary>
internal sealed class Sequencer(DuplicateDetector? duplicates, TimeProvider time)
{
    private long _next;

    public List<StoredMessage> Stamp(IReadOnlyList<IncomingMessage> messages)
    {
        var now = time.GetUtcNow();
        return messages
            .Where(m => duplicates?.IsDuplicate(m.MessageId) != true)
            .Select(m => new StoredMessage(m.Encoded, m.MessageId, ++_next, now))
            .ToList();
    }
}

/// <summary>A queue: senders attach to its name, receivers to its name or its dead-letter queue.</summary>
internal sealed class QueueEntity : ISendTarget
{
    private readonly Sequencer _sequencer;

    public QueueEntity(string path, QueueSettings settings, TimeSpan? duplicateDetectionWindow, TimeProvider time)
    {
        Path = path;
        DeadLetters = new MessageQueue(EntityAddress.DeadLetterPath(path), settings, null, time);
        Messages = new MessageQueue(path, settings, DeadLetters, time);
        _sequencer = new Sequencer(duplicateDetectionWindow is { } window ? new DuplicateDetector(window, time) : null, time);
    }

    public string Path { get; }

    public MessageQueue Messages { get; }

    public MessageQueue DeadLetters { get; }

    public void Accept(IReadOnlyList<IncomingMessage> messages)
    {
        lock (_sequencer)
            Messages.Enqueue(_sequencer.Stamp(messages));
    }
}

/// <summary>A topic: every message sent to it is copied to each of its subscriptions, each with its own dead-letter queue.</summary>
internal sealed class TopicEntity : ISendTarget
{
    private readonly Sequencer _sequencer;
    private readonly List<SubscriptionEntity> _subscriptions = [];
    private readonly TimeProvider _time;

    public TopicEntity(string path, TimeSpan? duplicateDetectionWindow, TimeProvider time)
    {
        Path = path;
        _time = time;
        _sequencer = new Sequencer(duplicateDetectionWindow is { } window ? new DuplicateDetector(window, time) : null, time);
    }

    public string Path { get; }

    public IReadOnlyList<SubscriptionEntity> Subscriptions
    {
        get
        {
            lock (_subscriptions)
                return _subscriptions.ToList();
        }
    }

    public SubscriptionEntity AddSubscription(string name, QueueSettings settings)
    {
        var subscription = new SubscriptionEntity(EntityAddress.SubscriptionPath(Path, name), settings, _time);
        lock (_subscriptions)
            _subscriptions.Add(subscription);
        return subscription;
    }

    /// <summary>Sequence numbers are the topic's, so each subscription's copy carries the same number, as in Service Bus.</summary>
    public void Accept(IReadOnlyList<IncomingMessage> messages)
    {
        lock (_sequencer)
        {
            var stamped = _sequencer.Stamp(messages);
            foreach (var subscription in Subscriptions)
                subscription.Messages.Enqueue(stamped.Select(m => m.Copy()).ToList());
        }
    }
}

/// <summary>One subscription of a topic: a queue of its own that only the topic sends to.</summary>
internal sealed class SubscriptionEntity
{
    public SubscriptionEntity(string path, QueueSettings settings, TimeProvider time)
    {
        Path = path;
        DeadLetters = new MessageQueue(EntityAddress.DeadLetterPath(path), settings, null, time);
        Messages = new MessageQueue(path, settings, DeadLetters, time);
    }

    public string Path { get; }

    public MessageQueue Messages { get; }

    public MessageQueue DeadLetters { get; }
}
