using NodaTime;

namespace Campaigns.Domain.Dialer;

/// <summary>
/// One concurrent AI-agent slot of a campaign's agent pool (one agent_id may take N calls at once). A slot is on a
/// call from <see cref="ConnectedAt"/> until the call is released, then busy until <see cref="BusyUntil"/>
/// (end of call + wrap_up_time), then free. Immutable: every change returns a new slot.
/// </summary>
/// <param name="Order">The slot's place in the pool (tier position), used by top-down and sequential strategies.</param>
/// <param name="ConnectedAt">When the current call was connected; null when not on a call.</param>
/// <param name="BusyUntil">After a call, the instant wrap-up ends (exclusive: free from that instant); null when never busy.</param>
/// <param name="LastBecameIdle">When the slot last became free (its wrap-up end, or when the pool started).</param>
/// <param name="CallsTaken">Calls completed on this slot.</param>
/// <param name="TotalTalkTime">Sum of completed calls' connected time (wrap-up not included).</param>
public sealed record AgentSlot(int Order, Instant? ConnectedAt, Instant? BusyUntil, Instant LastBecameIdle, int CallsTaken, Duration TotalTalkTime)
{
    /// <summary>A fresh slot, free and idle since <paramref name="since"/>.</summary>
    public static AgentSlot Idle(int order, Instant since) => new(order, null, null, since, 0, Duration.Zero);

    public bool OnCall => ConnectedAt is not null;

    /// <summary>Free at <paramref name="now"/>: not on a call and wrap-up over (BusyUntil &lt;= now).</summary>
    public bool IsFreeAt(Instant now) => ConnectedAt is null && (BusyUntil is null || BusyUntil <= now);

    /// <summary>
    /// When the slot will be free, seen from <paramref name="now"/>: now if free, the wrap-up end if wrapping up,
    /// null while on a call (its end is unknown).
    /// </summary>
    public Instant? FreeAt(Instant now) =>
        ConnectedAt is not null ? null : BusyUntil is { } until && until > now ? until : now;

    /// <summary>Connects a call at <paramref name="at"/>. A busy slot refuses: assigning it would put two calls on one agent.</summary>
    public AgentSlot Connect(Instant at)
    {
        if (!IsFreeAt(at))
            throw new InvalidOperationException($"Slot {Order} is busy at {at} (on a call: {OnCall}, busy until {BusyUntil}).");
        return this with { ConnectedAt = at };
    }

    /// <summary>
    /// Ends the current call at <paramref name="endedAt"/>: the slot stays busy until endedAt + <paramref name="wrapUp"/>,
    /// and becomes idle then; the call's length (endedAt - connectedAt) is added to the talk time.
    /// </summary>
    public AgentSlot Release(Instant endedAt, Duration wrapUp)
    {
        if (ConnectedAt is not { } connectedAt)
            throw new InvalidOperationException($"Slot {Order} has no call to release.");
        if (endedAt < connectedAt)
            throw new ArgumentException($"A call cannot end ({endedAt}) before it connected ({connectedAt}).", nameof(endedAt));
        if (wrapUp < Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(wrapUp), wrapUp, "Wrap-up time cannot be negative.");
        var free = endedAt + wrapUp;
        return this with
        {
            ConnectedAt = null,
            BusyUntil = free,
            LastBecameIdle = free,
            CallsTaken = CallsTaken + 1,
            TotalTalkTime = TotalTalkTime + (endedAt - connectedAt),
        };
    }
}

/// <summary>
/// The state of one agent pool: its slots, the round-robin cursor (the position of the slot that took the last
/// call, -1 before the first) and the count of answered calls abandoned because no slot freed within max_wait_time.
/// </summary>
public sealed record AgentPoolState(IReadOnlyList<AgentSlot> Slots, int RotationCursor, int Abandoned)
{
    /// <summary>A pool of <paramref name="slotCount"/> free slots, idle since <paramref name="now"/>.</summary>
    public static AgentPoolState Create(int slotCount, Instant now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slotCount);
        return new(Enumerable.Range(0, slotCount).Select(i => AgentSlot.Idle(i, now)).ToArray(), -1, 0);
    }

    /// <summary>
    /// Gives an answered call to a slot per <paramref name="strategy"/> (<see cref="AgentPool.PickSlot"/>). Returns
    /// the new state and the slot's position, or the same state and null when no slot is free.
    /// </summary>
    public (AgentPoolState State, int? Slot) Assign(QueueStrategy strategy, Instant now, ulong randomSeed = 0)
    {
        if (AgentPool.PickSlot(Slots, strategy, now, RotationCursor, randomSeed) is not { } slot)
            return (this, null);
        var slots = Slots.ToArray();
        slots[slot] = slots[slot].Connect(now);
        return (this with { Slots = slots, RotationCursor = slot }, slot);
    }

    /// <summary>Releases the call on slot position <paramref name="slot"/> (see <see cref="AgentSlot.Release"/>).</summary>
    public AgentPoolState Release(int slot, Instant endedAt, Duration wrapUp)
    {
        var slots = Slots.ToArray();
        slots[slot] = slots[slot].Release(endedAt, wrapUp);
        return this with { Slots = slots };
    }

    /// <summary>Counts one answered call that waited max_wait_time without a free slot and was dropped.</summary>
    public AgentPoolState CountAbandoned() => this with { Abandoned = Abandoned + 1 };

    /// <summary>Slots free at <paramref name="now"/>.</summary>
    public int FreeSlots(Instant now) => Slots.Count(slot => slot.IsFreeAt(now));

    /// <summary>Slots on a call.</summary>
    public int OnCall => Slots.Count(slot => slot.OnCall);
}
