using System.Collections.Concurrent;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Dialer;
using Campaigns.Functions.Storage;
using Campaigns.Functions.VoiceAgents;
using NodaTime;

namespace Campaigns.Functions.Engine;

/// <summary>The pool a list-fed campaign's calls go to, with that campaign's dialer settings.</summary>
internal sealed record PoolCampaign(string AccountId, string CampaignId, string PoolKey, int Slots, DialerSettings Settings);

/// <summary>What became of an answered call that asked for an agent slot.</summary>
internal abstract record AnsweredFate
{
    /// <summary>On slot <paramref name="Slot"/> from <paramref name="At"/> (now, or when that slot's wrap-up ends).</summary>
    public sealed record Connected(int Slot, Instant At) : AnsweredFate;

    /// <summary>Every slot is on a call: it waits, and is abandoned at <paramref name="Deadline"/> unless one frees first.</summary>
    public sealed record Queued(Instant Deadline) : AnsweredFate;

    /// <summary>Dropped (max_wait_time 0 and no free slot); recorded by the pool as an abandoned attempt.</summary>
    public sealed record Abandoned(Instant At) : AnsweredFate;
}

/// <summary>A pool seen by one campaign's tick: slots free now, and this campaign's calls on slots or waiting.</summary>
internal sealed record PoolLook(int SlotsFree, int CampaignCalls, int Waiting);

/// <summary>
/// The agent pools of list-fed campaigns (Campaign Scheduler API): one pool per account and <c>agent_id</c> (a campaign
/// without an agent has its own), with <see cref="EngineOptions.AgentSlots"/> concurrent AI-agent slots, or
/// <c>Engine__AgentSlotsByAgent__{agent_id}</c> for that agent. The seed has no field for a pool's size: how many
/// calls one agent takes at once is a property of the agent deployment, not of a campaign, so it is configuration.
/// <para>Events, each applied with Domain's deciders (<see cref="AgentPool"/>, <see cref="AgentPoolState"/>):</para>
/// <list type="bullet">
/// <item>a call is <b>answered</b> (the voice agent reports it, <see cref="AnsweredAsync"/>): it takes the slot
///   <c>queue_strategy</c> picks; with none free, it connects when a wrap-up ends within <c>max_wait_time</c>, else it
///   waits in the pool's queue;</item>
/// <item>a call <b>ends</b> (its result is recorded, <see cref="EndedAsync"/>): its slot stays busy for
///   <c>wrap_up_time</c>, then is free; a waiting call connects to it if that is within its deadline;</item>
/// <item>a <b>tick</b> (<see cref="TickAsync"/>, once per dialer_interval per campaign): waiting calls whose deadline
///   passed are <b>abandoned</b>, counted in the pool row (<c>Abandoned</c>) and recorded on their attempt as outcome
///   <c>failed</c> with disposition <c>abandoned</c> (the prospect never spoke to an agent, so it is retried under
///   max_number_calls / min_time_between_calls, and it is not counted as connected); and the tick learns the free
///   slots, from which <see cref="AgentPool.CallsToDial"/> (call_ratio, max_active_calls) sets how many to dial.</item>
/// </list>
/// The pool row lives in Table Storage (<see cref="AgentPoolStore"/>), so every instance sees the same slots. Events
/// on one pool that arrive together are applied together and written once (group commit), with the row this
/// instance wrote last kept in memory with its ETag: a tick's answered calls cost one write, not one each. A lost
/// race (another instance wrote the row) is read again and every event of the group decided again.
/// </summary>
internal sealed partial class AgentPools(
    AgentPoolStore store, CampaignStore campaigns, EngineOptions options, IServiceProvider services, TimeProvider time, ILogger<AgentPools> log)
{
    /// <summary>The disposition an abandoned attempt is recorded with (outcome <c>failed</c>).</summary>
    public const string AbandonedDisposition = "abandoned";

    private const int MaxRaces = 20;
    private const int MaxGroup = 200;
    private const long CampaignLifetimeMs = 2_000; // settings reach every instance by the next tick (dialer_interval >= 2 s)

    private sealed class Working(AgentPoolRow row, bool fromCache)
    {
        public AgentPoolRow Row = row;
        public readonly bool FromCache = fromCache;
        public bool Changed = row.ETag == default; // a new pool is written at once
        public bool Stale;                          // an event found nothing in a cached row: read it again
        public readonly List<(string CallId, Instant At, string? Note)> ConnectedLater = [];
        public readonly List<string> Abandoned = [];
    }

    private sealed record Op(int Slots, bool Fresh, Func<Working, Instant, object?> Apply, TaskCompletionSource<object?> Done);

    private readonly ConcurrentDictionary<(string, string), ConcurrentQueue<Op>> _queues = new();
    private readonly ConcurrentDictionary<(string, string), SemaphoreSlim> _gates = new();
    private readonly ConcurrentDictionary<(string, string), AgentPoolRow> _rows = new();
    private readonly ConcurrentDictionary<string, (PoolCampaign? Pool, long AtMs)> _campaigns = new();

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>The pool of a list-fed campaign; remembered, so its results find it without reading the campaign.</summary>
    public PoolCampaign PoolOf(string accountId, string campaignId, DialerSettings settings)
    {
        var agent = settings.AgentId is { Length: > 0 } id ? id : null;
        var slots = agent is not null && options.AgentSlotsByAgent.TryGetValue(agent, out var n) ? n : options.AgentSlots;
        var pool = new PoolCampaign(accountId, campaignId, agent is null ? AgentPoolStore.CampaignKey(campaignId) : AgentPoolStore.AgentKey(agent),
            Math.Clamp(slots, 0, EngineOptions.MaxAgentSlots), settings);
        _campaigns[campaignId] = (pool, Environment.TickCount64);
        return pool;
    }

    /// <summary>The pool as stored (for the operator's eye and for tests), or null before its first call.</summary>
    public Task<AgentPoolRow?> ReadAsync(string accountId, string poolKey, CancellationToken cancellationToken) =>
        store.ReadAsync(accountId, poolKey, cancellationToken);

    /// <summary>
    /// A campaign's tick: abandons waiting calls past their deadline, connects waiting calls to slots free in time,
    /// fits the pool to its configured size (extra slots go once free), and returns what the tick needs to pace.
    /// Reads the row afresh: another instance may have changed it since.
    /// </summary>
    public async Task<PoolLook> TickAsync(PoolCampaign pool, CancellationToken cancellationToken) =>
        (PoolLook)(await RunAsync(pool, fresh: true, (w, now) =>
        {
            Resize(w, pool.Slots, now);
            Serve(w, pool.Settings, now);
            var prefix = pool.CampaignId + ".";
            var mine = w.Row.CallOnSlot.Count(c => c?.StartsWith(prefix, StringComparison.Ordinal) == true)
                + w.Row.Waiting.Count(c => c.CallId.StartsWith(prefix, StringComparison.Ordinal));
            return new PoolLook(w.Row.State.FreeSlots(now), mine, w.Row.Waiting.Count);
        }, cancellationToken))!;

    /// <summary>
    /// A call was answered at <paramref name="answeredAt"/>: its fate per queue_strategy and max_wait_time.
    /// Idempotent: a call already on a slot or waiting gets its fate again, unchanged.
    /// </summary>
    public async Task<AnsweredFate> AnsweredAsync(PoolCampaign pool, AttemptId attempt, Instant answeredAt, string? note, CancellationToken cancellationToken) =>
        (AnsweredFate)(await RunAsync(pool, fresh: false, (w, now) =>
        {
            var callId = attempt.ToString();
            var state = w.Row.State;
            var onSlot = IndexOf(w.Row.CallOnSlot, callId);
            if (onSlot >= 0)
                return new AnsweredFate.Connected(onSlot, state.Slots[onSlot].ConnectedAt ?? answeredAt);
            if (w.Row.Waiting.FirstOrDefault(c => c.CallId == callId) is { } waiting)
                return new AnsweredFate.Queued(waiting.Deadline);
            switch (AgentPool.AnsweredCallFate(answeredAt, now, pool.Settings.MaxWaitTime, AgentPool.EarliestFreeAt(state.Slots, answeredAt)))
            {
                case CallFate.Connect connect:
                    var slot = Connect(w, callId, pool.Settings, connect.At);
                    return new AnsweredFate.Connected(slot, connect.At);
                case CallFate.Abandon abandon:
                    w.Row = w.Row with { State = state.CountAbandoned() };
                    w.Abandoned.Add(callId);
                    w.Changed = true;
                    return new AnsweredFate.Abandoned(abandon.At);
                case CallFate.KeepWaiting wait:
                    w.Row = w.Row with { Waiting = [.. w.Row.Waiting, new WaitingCall(callId, answeredAt, wait.Deadline, note)] };
                    w.Changed = true;
                    return new AnsweredFate.Queued(wait.Deadline);
                default:
                    throw new InvalidOperationException("Unknown call fate");
            }
        }, cancellationToken))!;

    /// <summary>
    /// A result was recorded for <paramref name="attempt"/>: the slot it was on is released (busy for wrap_up_time
    /// from now), and waiting calls take freed slots; a call that ended while still waiting hung up in the queue and
    /// counts as abandoned. Only answered and failed calls can hold a slot; others, /v1 campaigns' calls and attempts
    /// the pool itself abandoned are passed by without a storage request.
    /// </summary>
    public async Task EndedAsync(string? accountId, AttemptId attempt, CallOutcome outcome, string? disposition, CancellationToken cancellationToken)
    {
        if (accountId is null || outcome is not (CallOutcome.Answered or CallOutcome.Failed) || disposition == AbandonedDisposition)
            return;
        if (await CampaignAsync(accountId, attempt.CampaignId, cancellationToken) is not { } pool)
            return;
        await RunAsync(pool, fresh: false, (w, now) =>
        {
            var callId = attempt.ToString();
            var onSlot = IndexOf(w.Row.CallOnSlot, callId);
            if (onSlot >= 0)
            {
                var slot = w.Row.State.Slots[onSlot];
                var endedAt = slot.ConnectedAt is { } connected && connected > now ? connected : now;
                var calls = w.Row.CallOnSlot.ToArray();
                calls[onSlot] = null;
                w.Row = w.Row with { State = w.Row.State.Release(onSlot, endedAt, pool.Settings.WrapUpTime), CallOnSlot = calls };
                w.Changed = true;
                Serve(w, pool.Settings, now);
                return true;
            }
            if (w.Row.Waiting.Any(c => c.CallId == callId))
            {
                w.Row = w.Row with { Waiting = w.Row.Waiting.Where(c => c.CallId != callId).ToArray(), State = w.Row.State.CountAbandoned() };
                w.Changed = true;
                return true;
            }
            if (w.FromCache)
                w.Stale = true;
            return false;
        }, cancellationToken);
    }

    private async Task<PoolCampaign?> CampaignAsync(string accountId, string campaignId, CancellationToken cancellationToken)
    {
        if (_campaigns.TryGetValue(campaignId, out var kept) && (kept.Pool is null || Environment.TickCount64 - kept.AtMs < CampaignLifetimeMs))
            return kept.Pool; // a /v1 campaign never gets dialer settings: remembered for good
        var stored = await campaigns.GetAsync(accountId, campaignId, cancellationToken);
        if (stored?.Campaign.Dialer is { } settings)
            return PoolOf(accountId, campaignId, settings);
        _campaigns[campaignId] = (null, Environment.TickCount64);
        return null;
    }

    /// <summary>Queues an event for a pool and, when no one else is, commits the pool's queued events as one write.</summary>
    private async Task<object?> RunAsync(PoolCampaign pool, bool fresh, Func<Working, Instant, object?> apply, CancellationToken cancellationToken)
    {
        var key = (pool.AccountId, pool.PoolKey);
        var op = new Op(pool.Slots, fresh, apply, new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queues.GetOrAdd(key, _ => new ConcurrentQueue<Op>()).Enqueue(op);
        var gate = _gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        while (!op.Done.Task.IsCompleted)
        {
            if (!await gate.WaitAsync(TimeSpan.FromMilliseconds(20), cancellationToken))
                continue; // another caller is committing this pool's group, which may include ours
            Working? committed = null;
            try
            {
                if (!op.Done.Task.IsCompleted)
                    committed = await FlushAsync(key, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
            if (committed is not null)
                await AfterAsync(committed, cancellationToken); // outside the gate: recording an abandoned call comes back here
        }
        return await op.Done.Task;
    }

    private async Task<Working?> FlushAsync((string Account, string Pool) key, CancellationToken cancellationToken)
    {
        var queue = _queues[key];
        await Task.Yield(); // events of the same moment join this group
        var group = new List<Op>();
        while (group.Count < MaxGroup && queue.TryDequeue(out var next))
            group.Add(next);
        if (group.Count == 0)
            return null;
        try
        {
            var fresh = group.Any(o => o.Fresh) || !_rows.ContainsKey(key);
            for (var race = 1; ; race++)
            {
                var now = Now;
                var row = fresh || !_rows.TryGetValue(key, out var cached)
                    ? await store.ReadAsync(key.Account, key.Pool, cancellationToken) ?? NewRow(key, group[0].Slots, now)
                    : cached;
                var w = new Working(row, fromCache: !fresh);
                var results = group.Select(o => o.Apply(w, now)).ToArray();
                if (w.Stale)
                {
                    fresh = true;
                    continue;
                }
                if (w.Changed)
                {
                    try
                    {
                        _rows[key] = w.Row with { ETag = await store.WriteAsync(w.Row, cancellationToken) };
                    }
                    catch (ConcurrencyConflictException) when (race < MaxRaces)
                    {
                        _rows.TryRemove(key, out _); // another instance changed the pool: read again, decide again
                        fresh = true;
                        continue;
                    }
                }
                else
                    _rows[key] = w.Row;
                for (var i = 0; i < group.Count; i++)
                    group[i].Done.TrySetResult(results[i]);
                return w;
            }
        }
        catch (Exception ex)
        {
            foreach (var op in group)
                op.Done.TrySetException(ex);
            return null;
        }
    }

    /// <summary>What a committed group does outside the pool: records abandoned attempts, tells the agent of late connections.</summary>
    private async Task AfterAsync(Working committed, CancellationToken cancellationToken)
    {
        foreach (var callId in committed.Abandoned)
        {
            if (!AttemptId.TryParse(callId, out var attempt))
                continue;
            LogAbandoned(AttemptId.ForLogsOf(callId), committed.Row.PoolKey);
            services.GetRequiredService<Hosting.CampaignTelemetry>().CallAbandoned();
            await services.GetRequiredService<OutcomeRecorder>().RecordAsync(attempt, CallOutcome.Failed, AbandonedDisposition, 0, cancellationToken);
        }
        foreach (var (callId, at, note) in committed.ConnectedLater)
        {
            if (AttemptId.TryParse(callId, out var attempt))
                await services.GetRequiredService<IVoiceAgent>().ConnectedAsync(attempt, at, note, cancellationToken);
        }
    }

    private static AgentPoolRow NewRow((string Account, string Pool) key, int slots, Instant now) =>
        new(key.Account, key.Pool, AgentPoolState.Create(slots, now), new string?[slots], [], default);

    /// <summary>Puts a call on the slot queue_strategy picks among those free at <paramref name="at"/>; returns its position.</summary>
    private static int Connect(Working w, string callId, DialerSettings settings, Instant at)
    {
        var (state, slot) = w.Row.State.Assign(settings.QueueStrategy, at, StableSeed(callId));
        if (slot is not { } position)
            throw new InvalidOperationException($"No slot is free at {at} for call {callId}");
        var calls = w.Row.CallOnSlot.ToArray();
        calls[position] = callId;
        w.Row = w.Row with { State = state, CallOnSlot = calls };
        w.Changed = true;
        return position;
    }

    /// <summary>
    /// Waiting calls, oldest first: each connects to a slot free in time (<see cref="AgentPool.AnsweredCallFate"/>),
    /// is abandoned once its deadline has passed, or keeps waiting.
    /// </summary>
    private static void Serve(Working w, DialerSettings settings, Instant now)
    {
        if (w.Row.Waiting.Count == 0)
            return;
        var still = new List<WaitingCall>();
        foreach (var call in w.Row.Waiting.OrderBy(c => c.AnsweredAt))
        {
            switch (AgentPool.AnsweredCallFate(call.AnsweredAt, now, call.Deadline - call.AnsweredAt, AgentPool.EarliestFreeAt(w.Row.State.Slots, call.AnsweredAt)))
            {
                case CallFate.Connect connect:
                    Connect(w, call.CallId, settings, connect.At);
                    w.ConnectedLater.Add((call.CallId, connect.At, call.Note));
                    break;
                case CallFate.Abandon:
                    w.Row = w.Row with { State = w.Row.State.CountAbandoned() };
                    w.Abandoned.Add(call.CallId);
                    break;
                default:
                    still.Add(call);
                    break;
            }
        }
        if (still.Count != w.Row.Waiting.Count)
        {
            w.Row = w.Row with { Waiting = still };
            w.Changed = true;
        }
    }

    /// <summary>Adds idle slots up to <paramref name="slots"/>, or drops trailing free slots above it (busy ones go once free).</summary>
    private static void Resize(Working w, int slots, Instant now)
    {
        var state = w.Row.State;
        var list = state.Slots.ToList();
        var calls = w.Row.CallOnSlot.ToList();
        while (list.Count < slots)
        {
            list.Add(AgentSlot.Idle(list.Count, now));
            calls.Add(null);
        }
        while (list.Count > slots && list[^1].IsFreeAt(now) && calls[^1] is null)
        {
            list.RemoveAt(list.Count - 1);
            calls.RemoveAt(calls.Count - 1);
        }
        if (list.Count == state.Slots.Count)
            return;
        w.Row = w.Row with { State = state with { Slots = list, RotationCursor = Math.Min(state.RotationCursor, list.Count - 1) }, CallOnSlot = calls };
        w.Changed = true;
    }

    private static int IndexOf(IReadOnlyList<string?> calls, string callId)
    {
        for (var i = 0; i < calls.Count; i++)
        {
            if (calls[i] == callId)
                return i;
        }
        return -1;
    }

    private static ulong StableSeed(string text) =>
        BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)), 0);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Call {CallId} waited past max_wait_time for a slot of pool {Pool}: abandoned")]
    private partial void LogAbandoned(string callId, string pool);
}
