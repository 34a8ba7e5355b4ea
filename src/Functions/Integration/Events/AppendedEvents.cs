namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// The events a relay pass has just appended to a campaign's stream: consecutive sequence numbers, each exactly as
/// stored (id, type, time, CloudEvent body, when appended). The pass's own deliveries send these from memory instead of
/// reading the pages they were written to straight back; whatever a destination needs outside them (it is behind, or a
/// later pass appended more) is read from the stream as always. Safe because a stream's events never change once
/// appended: the pass appended these under the stream's lease and its head's ETag, so the stream holds exactly these
/// at those sequence numbers.
/// </summary>
internal sealed class AppendedEvents
{
    public static readonly AppendedEvents None = new([]);

    private readonly IReadOnlyList<StreamEvent> _events;

    public AppendedEvents(IReadOnlyList<StreamEvent> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            if (events[i].Sequence != events[0].Sequence + i)
                throw new ArgumentException("Appended events must have consecutive sequence numbers.", nameof(events));
        }
        _events = events;
    }

    public int Count => _events.Count;

    /// <summary>
    /// True when a destination that has had every event up to <paramref name="delivered"/> has had all of these: the
    /// stream ended there when the pass appended, so its deliverer stops without reading on. An append after that is
    /// delivered by its own pass, which finds this deliverer's lease and looks again shortly.
    /// </summary>
    public bool EndsAt(long delivered) => _events.Count > 0 && delivered == _events[^1].Sequence;

    /// <summary>
    /// Up to <paramref name="take"/> events after sequence <paramref name="after"/>, when the next one is among these;
    /// null when it is not (read the stream instead). Never a gap: what it answers starts at <c>after + 1</c>.
    /// </summary>
    public IReadOnlyList<StreamEvent>? After(long after, int take)
    {
        if (_events.Count == 0)
            return null;
        var start = after + 1 - _events[0].Sequence;
        if (start < 0 || start >= _events.Count)
            return null;
        var count = (int)Math.Min(take, _events.Count - start);
        return _events.Skip((int)start).Take(count).ToList();
    }
}
