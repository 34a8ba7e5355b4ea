using Campaigns.Domain.Dialer;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace Campaigns.Domain.Tests.Dialer;

public sealed class AgentPoolTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 2, 15, 0);

    private static Instant At(int seconds) => T0 + Duration.FromSeconds(seconds);

    /// <summary>A free slot that became idle at <paramref name="idleSince"/> seconds, with some history.</summary>
    private static AgentSlot Free(int order, int idleSince, int calls = 0, int talkSeconds = 0) =>
        new(order, null, null, At(idleSince), calls, Duration.FromSeconds(talkSeconds));

    private static AgentSlot OnCall(int order, int since) => new(order, At(since), null, At(-1000), 0, Duration.Zero);

    private static AgentSlot WrappingUp(int order, int until) => new(order, null, At(until), At(until), 1, Duration.FromSeconds(60));

    [Theory]
    [InlineData(5, 0, 1.0, 0, 0, 5)]
    [InlineData(3, 0, 1.5, 0, 0, 4)] // floor(4.5)
    [InlineData(5, 2, 1.0, 0, 0, 3)] // ringing calls already count
    [InlineData(2, 5, 1.0, 0, 0, 0)] // never negative
    [InlineData(0, 0, 10.0, 0, 0, 0)]
    [InlineData(5, 0, 0.0, 0, 0, 0)]
    [InlineData(100, 0, 0.29, 0, 0, 29)] // decimal product: not 28.999...
    [InlineData(10, 0, 0.7, 0, 0, 7)]
    [InlineData(5, 1, 1.0, 10, 8, 1)] // cap: 10 - 8 active - 1 ringing
    [InlineData(5, 0, 2.0, 10, 10, 0)] // at the cap
    [InlineData(5, 0, 2.0, 10, 12, 0)] // above the cap (max lowered by a PATCH)
    [InlineData(5, 0, 2.0, 0, 500, 10)] // 0 = no cap beyond agent capacity
    public void CallsToDial_RatioOfFreeSlotsMinusRingingCappedByMaxActive(int free, int ringing, double ratio, int max, int active, int expected)
    {
        Assert.Equal(expected, AgentPool.CallsToDial(free, ringing, ratio, max, active));
    }

    [Fact]
    public void CallsToDial_InvalidInputs_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AgentPool.CallsToDial(-1, 0, 1, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => AgentPool.CallsToDial(1, 0, double.NaN, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => AgentPool.CallsToDial(1, 0, 11, 0, 0));
    }

    [Fact]
    public void PickSlot_LongestIdleAgent_TakesTheSlotIdleLongest()
    {
        AgentSlot[] slots = [Free(0, idleSince: -10), OnCall(1, since: -500), Free(2, idleSince: -300), Free(3, idleSince: -20)];
        Assert.Equal(2, AgentPool.PickSlot(slots, QueueStrategy.LongestIdleAgent, T0, -1));
    }

    [Fact]
    public void PickSlot_RoundRobin_TakesTheNextFreeSlotAfterTheCursorAndWraps()
    {
        AgentSlot[] slots = [Free(0, 0), Free(1, 0), OnCall(2, 0), Free(3, 0)];
        Assert.Equal(0, AgentPool.PickSlot(slots, QueueStrategy.RoundRobin, T0, -1));
        Assert.Equal(1, AgentPool.PickSlot(slots, QueueStrategy.RoundRobin, T0, 0));
        Assert.Equal(3, AgentPool.PickSlot(slots, QueueStrategy.RoundRobin, T0, 1)); // 2 is busy
        Assert.Equal(0, AgentPool.PickSlot(slots, QueueStrategy.RoundRobin, T0, 3)); // wraps
    }

    [Theory]
    [InlineData(QueueStrategy.TopDown)]
    [InlineData(QueueStrategy.SequentiallyByAgentOrder)]
    [InlineData(QueueStrategy.RingAll)]
    [InlineData(QueueStrategy.RingProgressively)]
    public void PickSlot_OrderedStrategies_TakeTheFreeSlotWithTheLowestOrder(QueueStrategy strategy)
    {
        AgentSlot[] slots = [Free(order: 5, 0), OnCall(order: 0, 0), Free(order: 2, -900), Free(order: 1, 0)];
        Assert.Equal(3, AgentPool.PickSlot(slots, strategy, T0, -1));
    }

    [Fact]
    public void PickSlot_LeastTalkTimeAndFewestCalls_CompareTheirOwnCounters()
    {
        AgentSlot[] slots = [Free(0, 0, calls: 3, talkSeconds: 100), Free(1, 0, calls: 1, talkSeconds: 900), Free(2, 0, calls: 2, talkSeconds: 50), OnCall(3, 0)];
        Assert.Equal(2, AgentPool.PickSlot(slots, QueueStrategy.AgentWithLeastTalkTime, T0, -1));
        Assert.Equal(1, AgentPool.PickSlot(slots, QueueStrategy.AgentWithFewestCalls, T0, -1));
    }

    [Fact]
    public void PickSlot_Ties_GoToTheLowestOrder()
    {
        AgentSlot[] slots = [Free(3, 0), Free(1, 0), Free(2, 0)];
        Assert.Equal(1, AgentPool.PickSlot(slots, QueueStrategy.AgentWithFewestCalls, T0, -1));
        Assert.Equal(1, AgentPool.PickSlot(slots, QueueStrategy.LongestIdleAgent, T0, -1));
    }

    [Fact]
    public void PickSlot_Random_IsDeterministicForASeedAndSpreadsOverSeeds()
    {
        AgentSlot[] slots = [Free(0, 0), OnCall(1, 0), Free(2, 0), Free(3, 0)];
        Assert.Equal(AgentPool.PickSlot(slots, QueueStrategy.Random, T0, -1, 42), AgentPool.PickSlot(slots, QueueStrategy.Random, T0, -1, 42));
        var picks = Enumerable.Range(0, 200).Select(seed => AgentPool.PickSlot(slots, QueueStrategy.Random, T0, -1, (ulong)seed)!.Value).ToHashSet();
        Assert.Equal([0, 2, 3], picks.Order());
    }

    [Fact]
    public void PickSlot_WrapUpIsHalfOpen_FreeFromItsEnd()
    {
        AgentSlot[] slots = [WrappingUp(0, until: 3)];
        Assert.Null(AgentPool.PickSlot(slots, QueueStrategy.LongestIdleAgent, At(3) - Duration.Epsilon, -1));
        Assert.Equal(0, AgentPool.PickSlot(slots, QueueStrategy.LongestIdleAgent, At(3), -1));
    }

    [Fact]
    public void PickSlot_NoFreeSlot_IsNull()
    {
        foreach (var strategy in Enum.GetValues<QueueStrategy>())
            Assert.Null(AgentPool.PickSlot([OnCall(0, 0), WrappingUp(1, 10)], strategy, T0, -1));
    }

    [Fact]
    public void Release_KeepsTheSlotBusyForWrapUpAndCountsTheCall()
    {
        var slot = AgentSlot.Idle(0, T0).Connect(At(10)).Release(At(70), Duration.FromSeconds(3));
        Assert.False(slot.OnCall);
        Assert.Equal(At(73), slot.BusyUntil);
        Assert.Equal(At(73), slot.LastBecameIdle);
        Assert.Equal(1, slot.CallsTaken);
        Assert.Equal(Duration.FromSeconds(60), slot.TotalTalkTime);
        Assert.False(slot.IsFreeAt(At(72)));
        Assert.True(slot.IsFreeAt(At(73)));
        Assert.Equal(At(73), slot.FreeAt(At(70)));
    }

    [Fact]
    public void Connect_BusySlot_IsRefused()
    {
        var onCall = AgentSlot.Idle(0, T0).Connect(At(0));
        Assert.Throws<InvalidOperationException>(() => onCall.Connect(At(5)));
        var wrapping = onCall.Release(At(30), Duration.FromSeconds(3));
        Assert.Throws<InvalidOperationException>(() => wrapping.Connect(At(32)));
        Assert.True(wrapping.Connect(At(33)).OnCall);
        Assert.Throws<InvalidOperationException>(() => AgentSlot.Idle(0, T0).Release(At(1), Duration.Zero));
    }

    [Fact]
    public void EarliestFreeAt_IsNowWhenFreeElseTheFirstWrapUpEndElseUnknown()
    {
        Assert.Equal(T0, AgentPool.EarliestFreeAt([OnCall(0, 0), Free(1, 0)], T0));
        Assert.Equal(At(2), AgentPool.EarliestFreeAt([OnCall(0, 0), WrappingUp(1, 5), WrappingUp(2, 2)], T0));
        Assert.Null(AgentPool.EarliestFreeAt([OnCall(0, 0), OnCall(1, 0)], T0));
    }

    [Fact]
    public void AnsweredCallFate_SlotFreeWithinMaxWait_ConnectsWhenItFrees()
    {
        var wait = Duration.FromSeconds(60);
        Assert.Equal(new CallFate.Connect(T0), AgentPool.AnsweredCallFate(T0, T0, wait, slotFreeAt: T0));
        Assert.Equal(new CallFate.Connect(At(30)), AgentPool.AnsweredCallFate(T0, T0, wait, slotFreeAt: At(30)));
        Assert.Equal(new CallFate.Connect(At(60)), AgentPool.AnsweredCallFate(T0, T0, wait, slotFreeAt: At(60))); // inclusive
        Assert.Equal(new CallFate.Connect(T0), AgentPool.AnsweredCallFate(T0, At(5), wait, slotFreeAt: At(-10))); // was already free
    }

    [Fact]
    public void AnsweredCallFate_NoSlotInTime_AbandonsAtTheDeadline()
    {
        var wait = Duration.FromSeconds(60);
        Assert.Equal(new CallFate.KeepWaiting(At(60)), AgentPool.AnsweredCallFate(T0, At(10), wait, slotFreeAt: At(61)));
        Assert.Equal(new CallFate.Abandon(At(60)), AgentPool.AnsweredCallFate(T0, At(60), wait, slotFreeAt: At(61)));
        Assert.Equal(new CallFate.KeepWaiting(At(60)), AgentPool.AnsweredCallFate(T0, At(59), wait, slotFreeAt: null));
        Assert.Equal(new CallFate.Abandon(At(60)), AgentPool.AnsweredCallFate(T0, At(90), wait, slotFreeAt: null));
    }

    [Fact]
    public void AnsweredCallFate_ZeroMaxWait_ConnectsOnlyToASlotFreeAtAnswer()
    {
        Assert.Equal(new CallFate.Connect(T0), AgentPool.AnsweredCallFate(T0, T0, Duration.Zero, T0));
        Assert.Equal(new CallFate.Abandon(T0), AgentPool.AnsweredCallFate(T0, T0, Duration.Zero, At(1)));
    }

    [Fact]
    public void AgentPoolState_AssignReleaseAndAbandon_TrackTheSlotsAndTheCursor()
    {
        var pool = AgentPoolState.Create(2, T0);
        var (afterFirst, first) = pool.Assign(QueueStrategy.RoundRobin, At(1));
        var (afterSecond, second) = afterFirst.Assign(QueueStrategy.RoundRobin, At(2));
        var (full, none) = afterSecond.Assign(QueueStrategy.RoundRobin, At(3));
        Assert.Equal((0, 1), (first, second));
        Assert.Null(none);
        Assert.Same(afterSecond, full);
        Assert.Equal(0, full.FreeSlots(At(3)));
        var released = full.Release(0, At(40), Duration.FromSeconds(3)).CountAbandoned();
        Assert.Equal(1, released.Abandoned);
        Assert.Equal(0, released.FreeSlots(At(42)));
        Assert.Equal(1, released.FreeSlots(At(43)));
        Assert.Equal(0, released.Assign(QueueStrategy.RoundRobin, At(43)).Slot);
    }

    public static Arbitrary<AgentSlot[]> Pools() =>
        Gen.Choose(0, 8).SelectMany(count =>
            Gen.Choose(0, 2).SelectMany(kind => Gen.Choose(-600, 600).SelectMany(t => Gen.Choose(0, 9).Select(calls => (kind, t, calls))))
                .ArrayOf(count)
                .Select(specs => specs.Select((s, i) => s.kind switch
                {
                    0 => Free(i, s.t, s.calls, s.calls * 45),
                    1 => OnCall(i, s.t),
                    _ => WrappingUp(i, s.t),
                }).ToArray()))
            .ToArbitrary();

    [Property(MaxTest = 500, Arbitrary = [typeof(AgentPoolTests)])]
    public Property PickSlot_NeverAssignsABusySlotAndFindsOneWheneverOneIsFree(AgentSlot[] slots)
    {
        return Enum.GetValues<QueueStrategy>().All(strategy =>
        {
            var cursor = slots.Length == 0 ? -1 : slots.Length / 2;
            var pick = AgentPool.PickSlot(slots, strategy, T0, cursor, (ulong)slots.Length * 7919);
            var anyFree = slots.Any(s => s.IsFreeAt(T0));
            return pick is { } i ? anyFree && slots[i].IsFreeAt(T0) : !anyFree;
        }).ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property Dialer_NeverHasMoreConcurrentCallsThanMaxActiveCalls()
    {
        // A simulated dialer: each tick it dials CallsToDial, then some ringing calls are answered or fail and some
        // active calls end. max_active_calls may be lowered mid-run (a PATCH); concurrent calls then only fall.
        var runs = Gen.Choose(1, 30).SelectMany(max => Gen.Choose(0, 40).SelectMany(slots => Gen.Choose(0, 30).Select(ratioTenths => (max, slots, ratio: ratioTenths / 10.0))))
            .SelectMany(setup => Gen.Choose(0, 100).ArrayOf(60).Select(rolls => (setup.max, setup.slots, setup.ratio, rolls)));
        return Prop.ForAll(runs.ToArbitrary(), run =>
        {
            var (max, slots, ratio, rolls) = run;
            int ringing = 0, active = 0;
            foreach (var roll in rolls)
            {
                var cap = roll < 5 ? Math.Max(1, max / 2) : max;
                var before = active + ringing;
                ringing += AgentPool.CallsToDial(Math.Max(0, slots - active), ringing, ratio, cap, active);
                if (active + ringing > Math.Max(cap, before))
                    return false;
                var answered = ringing * (roll % 3) / 3;
                var failed = (ringing - answered) * (roll % 2);
                ringing -= answered + failed;
                active += answered;
                active -= active * (roll % 4) / 4;
            }
            return true;
        });
    }
}
