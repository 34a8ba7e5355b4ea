namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// The events a relay pass has appended to a campaign's stream: consecutive sequence numbers, each exactly as stored
/// (id, type, time, CloudEvent body, when appended). The pass's own deliveries send these from memory instead of
/// reading the pages they were written to straight back; whatever a destination needs outside them (it is behind, or a
/// later pass appended more) is read from the stream as always. Safe because a stream's events never change once
/// appended: the pass appended these under the stream's lease and its head's ETag, so the stream holds exactly these
/// at those sequence numbers.
/// <para>
/// A pass fills a <see cref="Growing"/> set append by append, each chunk once its transaction has committed, and the
/// broker's deliverer sends from it meanwhile: it sends one chunk while the pass appends the next, and waits at the end
/// of what is appended until the pass adds more or is <see cref="Complete"/>. Nothing reaches a destination before it is
/// in the stream.
/// </para>
/// </summary>
internal sealed class AppendedEvents
{
    public static readonly AppendedEvents None = new([]);

    private readonly List<StreamEvent> _events;
    private readonly object _gate = new();
    private bool _complete;
    private TaskCompletionSource _grown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A complete set: the pass appended these and nothing more.</summary>
    public AppendedEvents(IReadOnlyList<StreamEvent> events)
    {
        Consecutive(events, events.Count > 0 ? events[0].Sequence : 0);
        _events = [.. events];
        _complete = true;
    }

    private AppendedEvents() => _events = [];

    /// <summary>An empty set a pass adds to as it appends (<see cref="Add"/>), until <see cref="Complete"/>.</summary>
    public static AppendedEvents Growing() => new();

    /// <summary>Adds the events of an append that has committed; they follow the last ones added.</summary>
    public void Add(IReadOnlyList<StreamEvent> chunk)
    {
        if (chunk.Count == 0)
            return;
        TaskCompletionSource grown;
        lock (_gate)
        {
            if (_complete)
                throw new InvalidOperationException("The pass has ended: nothing more is appended by it.");
            Consecutive(chunk, _events.Count == 0 ? chunk[0].Sequence : _events[^1].Sequence + 1);
            _events.AddRange(chunk);
            (grown, _grown) = (_grown, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        grown.TrySetResult();
    }

    /// <summary>The pass appends nothing more (it ended, or failed): a deliverer waiting at the end stops there.</summary>
    public void Complete()
    {
        TaskCompletionSource grown;
        lock (_gate)
        {
            if (_complete)
                return;
            _complete = true;
            grown = _grown;
        }
        grown.TrySetResult();
    }

    /// <summary>
    /// True when a destination that has had every event up to <paramref name="delivered"/> has had all of these and
    /// the pass has ended: the stream ended there when the pass appended, so its deliverer stops without reading on. An
    /// append after that is delivered by its own pass, which finds this deliverer's lease and looks again shortly.
    /// </summary>
    public bool EndsAt(long delivered)
    {
        lock (_gate)
            return EndsAtLocked(delivered);
    }

    /// <summary>
    /// Up to <paramref name="take"/> events after sequence <paramref name="after"/>, when the next one is among these;
    /// null when it is not (read the stream instead). Never a gap: what it answers starts at <c>after + 1</c>.
    /// </summary>
    public IReadOnlyList<StreamEvent>? After(long after, int take)
    {
        lock (_gate)
            return AfterLocked(after, take);
    }

    /// <summary>
    /// As <see cref="After"/>, but when the next event is the one the pass is still to append, waits until it has (or
    /// has ended); answers an empty list once the pass has ended and the destination has had all of these.
    /// </summary>
    public async Task<IReadOnlyList<StreamEvent>?> AfterAsync(long after, int take, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task grown;
            lock (_gate)
            {
                if (_complete)
                    return EndsAtLocked(after) ? [] : AfterLocked(after, take);
                if (_events.Count > 0 && after + 1 != _events[0].Sequence + _events.Count)
                    return AfterLocked(after, take);
                grown = _grown.Task;
            }
            await grown.WaitAsync(cancellationToken);
        }
    }

    private bool EndsAtLocked(long delivered) => _complete && _events.Count > 0 && delivered == _events[^1].Sequence;

    private List<StreamEvent>? AfterLocked(long after, int take)
    {
        if (_events.Count == 0)
            return null;
        var start = after + 1 - _events[0].Sequence;
        if (start < 0 || start >= _events.Count)
            return null;
        return _events.GetRange((int)start, (int)Math.Min(take, _events.Count - start));
    }

    private static void Consecutive(IReadOnlyList<StreamEvent> events, long first)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Sequence != first + i)
                throw new ArgumentException("Appended events must have consecutive sequence numbers.", nameof(events));
        }
    }
}
