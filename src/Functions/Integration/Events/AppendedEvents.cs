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
/// <para>
/// A pass whose account has no webhook has one reader, the broker's deliverer: its set lets go of what that deliverer
/// has sent (<see cref="Sent"/>), so a pass of thousands of events holds only the appends between the one being
/// written and the one being sent, not all it has appended until it ends (which kept the whole pass alive through
/// every garbage collection and made most of them gen-1 ones). A reader that asks for released events is answered
/// <c>null</c> and reads the stream, as any reader behind the set does.
/// </para>
/// </summary>
internal sealed class AppendedEvents
{
    public static readonly AppendedEvents None = new([]);

    // Events from _first on; the first _released of them have been let go (null), see Sent.
    private readonly List<StreamEvent?> _events;
    private readonly Task<bool> _keep; // false once known: the broker's deliverer is the only reader
    private readonly object _gate = new();
    private long _first;
    private int _released;
    private bool _complete;
    private TaskCompletionSource _grown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A complete set: the pass appended these and nothing more.</summary>
    public AppendedEvents(IReadOnlyList<StreamEvent> events)
    {
        Consecutive(events, events.Count > 0 ? events[0].Sequence : 0);
        _events = [.. events];
        _first = events.Count > 0 ? events[0].Sequence : 0;
        _keep = KeepAll;
        _complete = true;
    }

    private AppendedEvents(Task<bool> keep) => (_events, _keep) = ([], keep);

    private static readonly Task<bool> KeepAll = Task.FromResult(true);

    /// <summary>
    /// An empty set a pass adds to as it appends (<see cref="Add"/>), until <see cref="Complete"/>. When
    /// <paramref name="keepAll"/> has answered false, its only reader is the broker's deliverer and what that has sent
    /// is let go; until it has answered, everything is kept.
    /// </summary>
    public static AppendedEvents Growing(Task<bool>? keepAll = null) => new(keepAll ?? KeepAll);

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
            if (_events.Count == 0)
                _first = chunk[0].Sequence;
            Consecutive(chunk, _first + _events.Count);
            _events.AddRange(chunk);
            (grown, _grown) = (_grown, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        grown.TrySetResult();
    }

    /// <summary>
    /// The broker's deliverer has sent every event up to <paramref name="delivered"/>: in a set that does not keep
    /// all, those are let go (asked for again, they are read from the stream).
    /// </summary>
    public void Sent(long delivered)
    {
        if (!_keep.IsCompletedSuccessfully || _keep.Result)
            return;
        lock (_gate)
        {
            var upTo = (int)Math.Clamp(delivered + 1 - _first, 0, _events.Count);
            for (var i = _released; i < upTo; i++)
                _events[i] = null;
            _released = Math.Max(_released, upTo);
            if (_released > 0 && _released * 2 >= _events.Count)
            {
                // Drop the released front once it is most of the list, so the list itself does not grow with the pass.
                _events.RemoveRange(0, _released);
                _first += _released;
                _released = 0;
            }
        }
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
                if (_events.Count > 0 && after + 1 != Next)
                    return AfterLocked(after, take);
                grown = _grown.Task;
            }
            await grown.WaitAsync(cancellationToken);
        }
    }

    private long Next => _first + _events.Count; // the sequence after the last added

    private bool EndsAtLocked(long delivered) => _complete && _events.Count > 0 && delivered == Next - 1;

    private List<StreamEvent>? AfterLocked(long after, int take)
    {
        if (_events.Count == 0)
            return null;
        var start = after + 1 - _first;
        if (start < _released || start >= _events.Count)
            return null;
        return _events.GetRange((int)start, (int)Math.Min(take, _events.Count - start))!;
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
