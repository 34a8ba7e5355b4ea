using NodaTime;

namespace Campaigns.Domain.Dialer;

/// <summary>What happens to a call that was answered by the prospect and now waits for a free agent slot.</summary>
public abstract record CallFate
{
    /// <summary>Connect it to the slot that is free at <paramref name="At"/> (now, or when its wrap-up ends).</summary>
    public sealed record Connect(Instant At) : CallFate;

    /// <summary>No slot frees in time: drop it at <paramref name="At"/> (answered_at + max_wait_time) and count it as abandoned.</summary>
    public sealed record Abandon(Instant At) : CallFate;

    /// <summary>No slot's free time is known yet (all on calls); decide again when one is released or at <paramref name="Deadline"/>.</summary>
    public sealed record KeepWaiting(Instant Deadline) : CallFate;
}

/// <summary>
/// The pure deciders of an agent pool: how many calls to dial now (pacing), which slot takes an answered call
/// (queue_strategy), and whether an answered call connects or is abandoned (max_wait_time). The state they read is
/// <see cref="AgentSlot"/> / <see cref="AgentPoolState"/>; time arrives as <c>now</c>.
/// </summary>
public static class AgentPool
{
    /// <summary>
    /// How many new calls may start now: floor(<paramref name="callRatio"/> × <paramref name="slotsFree"/>) minus the
    /// calls already ringing, never negative. When <paramref name="maxActiveCalls"/> is above 0, it also never lets
    /// concurrent calls (<paramref name="callsActive"/> + <paramref name="callsRinging"/> + new) exceed it; 0 means no
    /// cap beyond agent capacity.
    /// </summary>
    /// <param name="slotsFree">Agent slots free now.</param>
    /// <param name="callsRinging">Calls dialed and not yet answered (each may still need a slot).</param>
    /// <param name="callRatio">call_ratio, 0 to 10. The product is taken in decimal, so 0.29 × 100 is 29, not 28.</param>
    /// <param name="maxActiveCalls">max_active_calls; 0 = unlimited.</param>
    /// <param name="callsActive">Calls answered and still in progress (talking, or waiting in the queue).</param>
    public static int CallsToDial(int slotsFree, int callsRinging, double callRatio, int maxActiveCalls, int callsActive)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slotsFree);
        ArgumentOutOfRangeException.ThrowIfNegative(callsRinging);
        ArgumentOutOfRangeException.ThrowIfNegative(maxActiveCalls);
        ArgumentOutOfRangeException.ThrowIfNegative(callsActive);
        if (!double.IsFinite(callRatio) || callRatio < 0 || callRatio > DialerSettingsRules.MaxCallRatio)
            throw new ArgumentOutOfRangeException(nameof(callRatio), callRatio, "call_ratio must be a finite number from 0 to 10.");
        var byRatio = (long)decimal.Floor((decimal)callRatio * slotsFree);
        var calls = byRatio - callsRinging;
        if (maxActiveCalls > 0)
            calls = Math.Min(calls, (long)maxActiveCalls - callsActive - callsRinging);
        return (int)Math.Max(0, calls);
    }

    /// <summary>
    /// The position in <paramref name="slots"/> of the slot that takes an answered call at <paramref name="now"/>, or
    /// null when none is free. Only free slots are ever chosen; ties go to the lowest <see cref="AgentSlot.Order"/>,
    /// then the lowest position.
    /// <list type="bullet">
    /// <item>longest-idle-agent: the free slot with the earliest <see cref="AgentSlot.LastBecameIdle"/>.</item>
    /// <item>round-robin: the first free slot after position <paramref name="rotationCursor"/>, wrapping around.</item>
    /// <item>top-down, sequentially-by-agent-order: the free slot with the lowest Order.</item>
    /// <item>agent-with-least-talk-time / agent-with-fewest-calls: the free slot with the least TotalTalkTime / CallsTaken.</item>
    /// <item>random: a free slot chosen by <paramref name="randomSeed"/> (SplitMix64), so the same seed gives the same
    ///   slot and a test or a replay can reproduce it; pass a different seed per call (e.g. from the call id).</item>
    /// <item>ring-all and ring-progressively: treated as the first free slot by Order. Both ring humans until one
    ///   picks up; an AI agent slot picks up at once, so the first slot rung (the lowest Order) always wins.</item>
    /// </list>
    /// </summary>
    public static int? PickSlot(IReadOnlyList<AgentSlot> slots, QueueStrategy strategy, Instant now, int rotationCursor, ulong randomSeed = 0)
    {
        var free = new List<int>(slots.Count);
        for (var i = 0; i < slots.Count; i++)
        {
            if (slots[i].IsFreeAt(now))
                free.Add(i);
        }
        if (free.Count == 0)
            return null;
        int ByOrder(int a, int b) => slots[a].Order != slots[b].Order ? slots[a].Order.CompareTo(slots[b].Order) : a.CompareTo(b);
        int Best(Comparison<int> primary) => free.Aggregate((best, i) => { var c = primary(i, best); return c < 0 || (c == 0 && ByOrder(i, best) < 0) ? i : best; });
        return strategy switch
        {
            QueueStrategy.LongestIdleAgent => Best((a, b) => slots[a].LastBecameIdle.CompareTo(slots[b].LastBecameIdle)),
            QueueStrategy.RoundRobin => free.FirstOrDefault(i => i > rotationCursor, free[0]),
            QueueStrategy.TopDown or QueueStrategy.SequentiallyByAgentOrder or QueueStrategy.RingAll or QueueStrategy.RingProgressively
                => Best((_, _) => 0),
            QueueStrategy.AgentWithLeastTalkTime => Best((a, b) => slots[a].TotalTalkTime.CompareTo(slots[b].TotalTalkTime)),
            QueueStrategy.AgentWithFewestCalls => Best((a, b) => slots[a].CallsTaken.CompareTo(slots[b].CallsTaken)),
            QueueStrategy.Random => free[(int)(SplitMix64(randomSeed) % (ulong)free.Count)],
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null),
        };
    }

    /// <summary>
    /// The earliest instant, seen from <paramref name="now"/>, at which some slot is free: now when one is free, else
    /// the earliest wrap-up end; null when every slot is on a call (their ends are unknown).
    /// </summary>
    public static Instant? EarliestFreeAt(IReadOnlyList<AgentSlot> slots, Instant now)
    {
        Instant? earliest = null;
        foreach (var slot in slots)
        {
            if (slot.FreeAt(now) is { } at && (earliest is null || at < earliest))
                earliest = at;
        }
        return earliest;
    }

    /// <summary>
    /// The fate of a call answered at <paramref name="answeredAt"/> that waits for a slot. It may wait until
    /// answeredAt + <paramref name="maxWaitTime"/> inclusive: a slot that frees exactly at that deadline still takes
    /// it (the caller is still on the line, and connecting beats dropping). With <paramref name="slotFreeAt"/> known
    /// and within the deadline it connects at max(answeredAt, slotFreeAt); otherwise it is abandoned at the deadline
    /// once <paramref name="now"/> reaches it, and keeps waiting before that.
    /// </summary>
    public static CallFate AnsweredCallFate(Instant answeredAt, Instant now, Duration maxWaitTime, Instant? slotFreeAt)
    {
        if (maxWaitTime < Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(maxWaitTime), maxWaitTime, "max_wait_time cannot be negative.");
        var deadline = answeredAt + maxWaitTime;
        if (slotFreeAt is { } free && free <= deadline)
            return new CallFate.Connect(free > answeredAt ? free : answeredAt);
        if (now >= deadline)
            return new CallFate.Abandon(deadline);
        return new CallFate.KeepWaiting(deadline);
    }

    /// <summary>SplitMix64's output function: a well-mixed, platform-independent 64-bit value from a seed.</summary>
    private static ulong SplitMix64(ulong seed)
    {
        var z = seed + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
