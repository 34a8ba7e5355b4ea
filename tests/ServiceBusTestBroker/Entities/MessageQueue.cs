using Campaigns.Testing.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Entities;

/// <summary>What a settlement by lock token came to.</summary>
internal enum SettleResult
{
    Done,

    /// <summary>No lock with that token: it expired, was released when its link closed, or the message was settled already.</summary>
    LockLost,
}

/// <summary>A message handed out in peek-lock mode, with the token the receiver settles it by.</summary>
internal sealed record LockedMessage(StoredMessage Message, Guid LockToken, DateTimeOffset LockedUntil);

/// <summary>
/// The store behind one receivable node: a queue, one subscription of a topic, or a dead-letter queue. Messages wait in
/// sequence-number order; a peek-lock receive moves one to the locked set under a fresh token until it is completed,
/// abandoned, dead-lettered, its lock runs out, or the link that holds it goes away. Every lock that ends without a
/// completion counts as a failed delivery, and after <see cref="QueueSettings.MaxDeliveryCount"/> of them the message
/// goes to <see cref="DeadLetterQueue"/> with reason MaxDeliveryCountExceeded, as Service Bus does.
/// All state changes under one lock; <see cref="MessagesAvailable"/> is raised outside it so that links can pump.
/// </summary>
internal sealed class MessageQueue
{
    public const string DeadLetterReasonProperty = "DeadLetterReason";
    public const string DeadLetterDescriptionProperty = "DeadLetterErrorDescription";

    private readonly object _gate = new();
    private readonly SortedDictionary<long, StoredMessage> _available = new();
    private readonly Dictionary<Guid, Lease> _locks = new();
    private readonly TimeProvider _time;

    public MessageQueue(string path, QueueSettings settings, MessageQueue? deadLetterQueue, TimeProvider time)
    {
        Path = path;
        Settings = settings;
        DeadLetterQueue = deadLetterQueue;
        _time = time;
    }

    /// <summary>The entity path receivers attach to, e.g. <c>results</c>, <c>campaign-events/Subscriptions/all/$DeadLetterQueue</c>.</summary>
    public string Path { get; }

    public QueueSettings Settings { get; }

    /// <summary>Where dead-lettered messages go; null for a dead-letter queue itself (Service Bus has no second level).</summary>
    public MessageQueue? DeadLetterQueue { get; }

    /// <summary>Raised, outside the lock, whenever a message may have become available to receive.</summary>
    public event Action? MessagesAvailable;

    public MessageCounts Counts
    {
        get
        {
            lock (_gate)
                return new MessageCounts(_available.Count, _locks.Count);
        }
    }

    public void Enqueue(IEnumerable<StoredMessage> messages)
    {
        lock (_gate)
        {
            foreach (var message in messages)
                _available.Add(message.SequenceNumber, message);
        }

        MessagesAvailable?.Invoke();
    }

    /// <summary>Locks the first available message for <paramref name="owner"/> (the link it goes out on), or returns null.</summary>
    public LockedMessage? TryLock(object owner)
    {
        lock (_gate)
        {
            if (!TryTakeFirst(out var message))
                return null;

            message.DeliveryCount++;
            var lease = new Lease(message, owner, _time.GetUtcNow() + Settings.LockDuration);
            var token = Guid.NewGuid();
            _locks.Add(token, lease);
            return new LockedMessage(message, token, lease.LockedUntil);
        }
    }

    /// <summary>Removes the first available message for a receive-and-delete receiver, or returns null.</summary>
    public StoredMessage? TryTake()
    {
        lock (_gate)
        {
            if (!TryTakeFirst(out var message))
                return null;

            message.DeliveryCount++;
            return message;
        }
    }

    public SettleResult Complete(Guid lockToken)
    {
        lock (_gate)
            return TryEndLock(lockToken, out _) ? SettleResult.Done : SettleResult.LockLost;
    }

    /// <summary>Puts the message back for another delivery (or dead-letters it past the max delivery count).</summary>
    public SettleResult Abandon(Guid lockToken, IReadOnlyDictionary<string, object?>? propertiesToModify)
    {
        StoredMessage? deadLettered;
        lock (_gate)
        {
            if (!TryEndLock(lockToken, out var message))
                return SettleResult.LockLost;

            Modify(message, propertiesToModify);
            deadLettered = ReturnOrDeadLetter(message);
        }

        AfterReturn(deadLettered);
        return SettleResult.Done;
    }

    public SettleResult DeadLetter(Guid lockToken, string? reason, string? description, IReadOnlyDictionary<string, object?>? propertiesToModify)
    {
        StoredMessage? moved;
        lock (_gate)
        {
            if (!TryEndLock(lockToken, out var message))
                return SettleResult.LockLost;

            Modify(message, propertiesToModify);
            moved = MarkDeadLettered(message, reason, description);
        }

        AfterReturn(moved);
        return SettleResult.Done;
    }

    /// <summary>
    /// The receiver gave the message back without trying it (AMQP released, which the SDK sends for a message that
    /// arrived when no receive was waiting): back in the queue, the delivery not counted.
    /// </summary>
    public SettleResult Release(Guid lockToken)
    {
        lock (_gate)
        {
            if (!TryEndLock(lockToken, out var message))
                return SettleResult.LockLost;

            message.DeliveryCount--;
            _available.Add(message.SequenceNumber, message);
        }

        MessagesAvailable?.Invoke();
        return SettleResult.Done;
    }

    /// <summary>Extends a lock by the lock duration from now; null if the lock is gone.</summary>
    public DateTimeOffset? RenewLock(Guid lockToken)
    {
        lock (_gate)
        {
            if (!_locks.TryGetValue(lockToken, out var lease) || lease.LockedUntil <= _time.GetUtcNow())
                return null;

            lease.LockedUntil = _time.GetUtcNow() + Settings.LockDuration;
            return lease.LockedUntil;
        }
    }

    /// <summary>The link that held these locks is gone: its messages go back (a failed delivery each), as Service Bus releases them.</summary>
    public void ReleaseLocksOf(object owner) => EndLocks(lease => ReferenceEquals(lease.Owner, owner));

    /// <summary>Locks whose time ran out end like an abandon: the message is back with its delivery counted.</summary>
    public void ExpireLocks()
    {
        var now = _time.GetUtcNow();
        EndLocks(lease => lease.LockedUntil <= now);
    }

    /// <summary>The broker stops: every lock ends, since no connection survives a stop.</summary>
    public void ReleaseAllLocks() => EndLocks(_ => true);

    /// <summary>Messages from <paramref name="fromSequenceNumber"/> on, locked or not, without locking them.</summary>
    public IReadOnlyList<StoredMessage> Peek(long fromSequenceNumber, int count)
    {
        lock (_gate)
        {
            return _available.Values.Concat(_locks.Values.Select(l => l.Message))
                .Where(m => m.SequenceNumber >= fromSequenceNumber)
                .OrderBy(m => m.SequenceNumber)
                .Take(count)
                .ToList();
        }
    }

    private void EndLocks(Func<Lease, bool> which)
    {
        var deadLettered = new List<StoredMessage>();
        var any = false;
        lock (_gate)
        {
            foreach (var (token, lease) in _locks.Where(l => which(l.Value)).ToList())
            {
                _locks.Remove(token);
                any = true;
                if (ReturnOrDeadLetter(lease.Message) is { } message)
                    deadLettered.Add(message);
            }
        }

        if (deadLettered.Count > 0)
            DeadLetterQueue!.Enqueue(deadLettered);
        if (any)
            MessagesAvailable?.Invoke();
    }

    private bool TryTakeFirst(out StoredMessage message)
    {
        if (_available.Count == 0)
        {
            message = null!;
            return false;
        }

        var first = _available.First();
        _available.Remove(first.Key);
        message = first.Value;
        return true;
    }

    /// <summary>Ends a lock that is still held; an expired one counts as lost even before the sweep returns its message.</summary>
    private bool TryEndLock(Guid lockToken, out StoredMessage message)
    {
        if (_locks.TryGetValue(lockToken, out var lease) && lease.LockedUntil > _time.GetUtcNow())
        {
            _locks.Remove(lockToken);
            message = lease.Message;
            return true;
        }

        message = null!;
        return false;
    }

    /// <summary>Back to the queue, or, at the max delivery count, marked for the dead-letter queue (returned, to move outside the lock).</summary>
    private StoredMessage? ReturnOrDeadLetter(StoredMessage message)
    {
        if (DeadLetterQueue is not null && message.DeliveryCount >= Settings.MaxDeliveryCount)
        {
            return MarkDeadLettered(
                message,
                "MaxDeliveryCountExceeded",
                $"Message could not be consumed after {Settings.MaxDeliveryCount} delivery attempts.");
        }

        _available.Add(message.SequenceNumber, message);
        return null;
    }

    private StoredMessage? MarkDeadLettered(StoredMessage message, string? reason, string? description)
    {
        if (reason is not null)
            message.PropertyChanges[DeadLetterReasonProperty] = reason;
        if (description is not null)
            message.PropertyChanges[DeadLetterDescriptionProperty] = description;
        if (DeadLetterQueue is not null)
            return message;

        // Dead-lettering from a dead-letter queue: Service Bus keeps the message where it is.
        _available.Add(message.SequenceNumber, message);
        return null;
    }

    private void AfterReturn(StoredMessage? deadLettered)
    {
        if (deadLettered is not null)
            DeadLetterQueue!.Enqueue([deadLettered]);
        MessagesAvailable?.Invoke();
    }

    private static void Modify(StoredMessage message, IReadOnlyDictionary<string, object?>? propertiesToModify)
    {
        foreach (var (key, value) in propertiesToModify ?? new Dictionary<string, object?>())
            message.PropertyChanges[key] = value;
    }

    private sealed class Lease(StoredMessage message, object owner, DateTimeOffset lockedUntil)
    {
        public StoredMessage Message { get; } = message;
        public object Owner { get; } = owner;
        public DateTimeOffset LockedUntil { get; set; } = lockedUntil;
    }
}
