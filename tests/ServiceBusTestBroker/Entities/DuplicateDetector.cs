namespace Campaigns.Testing.ServiceBus.Entities;

/// <summary>
/// Service Bus's duplicate detection for an entity that has it on: a message whose MessageId was accepted within the
/// window before is accepted again (the sender sees success) but not stored. Messages without a MessageId pass.
/// </summary>
internal sealed class DuplicateDetector(TimeSpan window, TimeProvider time)
{
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset At)> _order = new();

    public TimeSpan Window { get; } = window;

    /// <summary>True if <paramref name="messageId"/> was seen within the window; otherwise remembers it and returns false.</summary>
    public bool IsDuplicate(string? messageId)
    {
        if (messageId is null)
            return false;

        var now = time.GetUtcNow();
        lock (_seen)
        {
            while (_order.TryPeek(out var oldest) && oldest.At <= now - Window)
            {
                _order.Dequeue();
                if (_seen.TryGetValue(oldest.Id, out var at) && at == oldest.At)
                    _seen.Remove(oldest.Id);
            }

            if (_seen.ContainsKey(messageId))
                return true;

            _seen[messageId] = now;
            _order.Enqueue((messageId, now));
            return false;
        }
    }
}
