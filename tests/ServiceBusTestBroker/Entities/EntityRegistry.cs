namespace Campaigns.Testing.ServiceBus.Entities;

/// <summary>
/// The entities a test declared, by the paths links attach to. Nothing is created on first use: an address that was
/// not declared is refused with amqp:not-found, as Service Bus refuses a missing entity.
/// </summary>
internal sealed class EntityRegistry(TimeProvider time)
{
    private readonly Dictionary<string, ISendTarget> _targets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, MessageQueue> _sources = new(StringComparer.OrdinalIgnoreCase);

    public QueueEntity AddQueue(string name, QueueSettings settings, TimeSpan? duplicateDetectionWindow)
    {
        var queue = new QueueEntity(CheckName(name), settings, duplicateDetectionWindow, time);
        lock (_targets)
        {
            ThrowIfTaken(queue.Path);
            _targets.Add(queue.Path, queue);
            _sources.Add(queue.Messages.Path, queue.Messages);
            _sources.Add(queue.DeadLetters.Path, queue.DeadLetters);
        }

        return queue;
    }

    public TopicEntity AddTopic(string name, TimeSpan? duplicateDetectionWindow)
    {
        var topic = new TopicEntity(CheckName(name), duplicateDetectionWindow, time);
        lock (_targets)
        {
            ThrowIfTaken(topic.Path);
            _targets.Add(topic.Path, topic);
        }

        return topic;
    }

    public SubscriptionEntity AddSubscription(TopicEntity topic, string name, QueueSettings settings)
    {
        lock (_targets)
        {
            var path = EntityAddress.SubscriptionPath(topic.Path, CheckName(name));
            if (_sources.ContainsKey(path))
                throw new InvalidOperationException($"Subscription '{path}' is declared already.");
            var subscription = topic.AddSubscription(name, settings);
            _sources.Add(subscription.Messages.Path, subscription.Messages);
            _sources.Add(subscription.DeadLetters.Path, subscription.DeadLetters);
            return subscription;
        }
    }

    public ISendTarget? FindTarget(string path)
    {
        lock (_targets)
            return _targets.GetValueOrDefault(path);
    }

    public MessageQueue? FindSource(string path)
    {
        lock (_targets)
            return _sources.GetValueOrDefault(path);
    }

    public IReadOnlyList<MessageQueue> AllSources()
    {
        lock (_targets)
            return _sources.Values.ToList();
    }

    private void ThrowIfTaken(string path)
    {
        if (_targets.ContainsKey(path))
            throw new InvalidOperationException($"An entity named '{path}' is declared already.");
    }

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.StartsWith('/') || name.EndsWith('/') || name.Contains('$'))
            throw new ArgumentException($"'{name}' is not a Service Bus entity name.", nameof(name));
        return name;
    }
}
