using System.Reflection;
using System.Runtime.CompilerServices;
using Amqp;
using Amqp.Framing;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>
/// Mends AMQPNetLite's outgoing session window for a peer that announced an unlimited incoming window, as the SDK's
/// sessions do (incoming-window 4,294,967,295).
/// <para>
/// AMQPNetLite sets its window from each flow as <c>next-incoming-id + incoming-window - next-outgoing-id</c> in
/// 32-bit arithmetic, and counts a transfer into <c>next-outgoing-id</c> only after it has written it. When the peer's
/// flow answers a transfer that was written but not yet counted, its next-incoming-id is one ahead, the sum wraps, and
/// the window comes out 0; nothing counts it back up, because a peer with an unlimited window never sends a flow to
/// widen it. The broker then held every later transfer of that session while the receiver waited with credit left: a
/// receive-and-delete receiver with a deep prefetch stalled after a few thousand messages, one run in five (seen by
/// reading both ends at the stall: the SDK's session window unlimited, its link credit 1,000; AMQPNetLite's window 0
/// with 911 transfers waiting). With a limited window the same race errs by one in the peer's favour and is harmless.
/// </para>
/// <para>
/// The mend re-applies the peer's unlimited window as a session flow of its own (AMQPNetLite's private
/// <c>Session.OnFlow</c>, which also restarts writing). It runs after every link flow the broker sees, which is the
/// call that can have set the window to 0, and after every pump. The broker fails at start if the library no longer
/// has the members it uses.
/// </para>
/// </summary>
internal static class SessionWindowMend
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    private static readonly ConditionalWeakTable<Session, object> Unlimited = new();

    private static readonly FieldInfo OutgoingWindow = Field("outgoingWindow");
    private static readonly FieldInfo NextOutgoingId = Field("nextOutgoingId");
    private static readonly FieldInfo SequenceValue =
        NextOutgoingId.FieldType.GetField("sequenceNumber", Private) ?? throw Missing("SequenceNumber.sequenceNumber");
    private static readonly PropertyInfo ThisLock =
        typeof(Session).GetProperty("ThisLock", Private) ?? throw Missing("Session.ThisLock");
    private static readonly MethodInfo OnFlow =
        typeof(Session).GetMethod("OnFlow", Private, [typeof(Flow)]) ?? throw Missing("Session.OnFlow(Flow)");

    /// <summary>Called with each session's begin as it arrives: remembers the sessions whose peer's window is unlimited.</summary>
    public static void Remember(Session session, Begin begin)
    {
        if (begin.IncomingWindow == uint.MaxValue)
            Unlimited.AddOrUpdate(session, true);
    }

    /// <summary>If the session's peer has an unlimited window and AMQPNetLite's window reads 0, opens it again.</summary>
    public static void Apply(Session session)
    {
        if (!Unlimited.TryGetValue(session, out _))
            return;
        uint nextOutgoing;
        lock (ThisLock.GetValue(session)!)
        {
            if ((uint)OutgoingWindow.GetValue(session)! != 0)
                return;
            nextOutgoing = unchecked((uint)(int)SequenceValue.GetValue(NextOutgoingId.GetValue(session))!);
        }
        // next-incoming-id one behind what was sent so far: AMQPNetLite's sum then gives 2^32 - 2 (less what is sent
        // meanwhile), a window that does not run out.
        var flow = new Flow { NextIncomingId = unchecked(nextOutgoing - 1), IncomingWindow = uint.MaxValue, NextOutgoingId = 0, OutgoingWindow = 0 };
        OnFlow.Invoke(session, [flow]);
    }

    private static FieldInfo Field(string name) =>
        typeof(Session).GetField(name, Private) ?? throw Missing("Session." + name);

    private static InvalidOperationException Missing(string member) =>
        new($"This AMQPNetLite has no {member}: check SessionWindowMend against the library's session flow handling.");
}
