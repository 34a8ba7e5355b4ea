using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Campaigns.Testing.ServiceBus.Entities;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>
/// A receiver's link to a queue, subscription or dead-letter queue. It sends as many messages as the receiver gives
/// credit for: in peek-lock mode each under a fresh lock (the receiver settles it later by disposition), in
/// receive-and-delete mode (the SDK attaches with snd-settle-mode settled) each removed as it goes out.
/// <para>
/// Settlements arrive as dispositions that the SDK sends unsettled and then waits for the broker's own: accepted is
/// complete, modified is abandon (modified with undeliverable-here is defer, not emulated), rejected is dead-letter
/// (the reason and description in the error's info as DeadLetterReason and DeadLetterErrorDescription), released is a
/// give-back without a delivery counted. The answer is the same outcome (for a dead-letter, rejected without an
/// error: the SDK takes any rejected-with-error answer as a failed settlement), or rejected with
/// <c>com.microsoft:message-lock-lost</c> if the lock has ended.
/// </para>
/// <para>
/// When the link closes, for whatever reason, every lock it holds ends and the messages go back (see
/// <see cref="MessageQueue.ReleaseLocksOf"/>). A drain (which the SDK's processor sends when it stops) is answered
/// once nothing more can be sent, by giving up the remaining credit.
/// </para>
/// Threading: AMQPNetLite calls in on the connection's thread, possibly under its session lock, so no lock of this
/// class is held while calling AMQPNetLite; sending happens on one pump at a time, started from the thread pool.
/// </summary>
internal sealed class OutboundLink : LinkEndpoint
{
    private static readonly Symbol LockLost = "com.microsoft:message-lock-lost";

    private readonly ListenerLink _link;
    private readonly MessageQueue _queue;
    private readonly bool _receiveAndDelete;
    private readonly object _creditGate = new();
    private int _credit;
    private int _reserved;
    private int _pumpRequested;
    private int _pumping;
    private volatile bool _closed;

    private readonly BrokerRun _run;

    public OutboundLink(ListenerLink link, MessageQueue queue, BrokerRun run)
    {
        _link = link;
        _run = run;
        _queue = queue;
        _receiveAndDelete = link.SettleOnSend;
        _queue.MessagesAvailable += SchedulePump;
        _link.AddClosedCallback((_, _) => _closed = true);
    }

    public override void OnFlow(FlowContext flowContext)
    {
        lock (_creditGate)
        {
            if (flowContext.Messages > 0)
            {
                _credit += flowContext.Messages; // the receiver raised its limit by this much (AMQPNetLite's credit too)
            }
            else
            {
                // A flow that does not raise the limit. By AMQP 1.0 (2.6.7) the credit is then the receiver's limit less
                // what was sent: a flow that restates the same limit (the SDK sends one whenever a receive starts or
                // its prefetch tops up) leaves it as it was, one that lowers it takes off the difference. AMQPNetLite
                // zeroes its credit for any such flow, so the broker stopped sending while the receiver waited for
                // the credit it still had: a receiver with a deep prefetch stalled after a thousand or so messages.
                // Put back what the flow leaves, in AMQPNetLite's count too (its next flow's delta is measured from it).
                var left = Math.Max(0, _credit + _reserved + flowContext.Messages);
                lock (LinkLock(_link))
                    CreditField.SetValue(_link, (uint)Math.Max(left, _reserved));
                _credit = Math.Max(0, left - _reserved);
            }
        }
        SessionWindowMend.Apply(_link.Session); // this flow may have closed an unlimited session window by mistake
        SchedulePump();
    }

    /// <summary>AMQPNetLite's credit of a sending link (private: the library offers no way to set it on a sender).</summary>
    private static readonly System.Reflection.FieldInfo CreditField =
        typeof(ListenerLink).GetField("credit", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)
        ?? throw new InvalidOperationException("This AMQPNetLite has no ListenerLink.credit field: check OutboundLink.OnFlow against the library's flow handling.");

    private static readonly System.Reflection.PropertyInfo LinkLockProperty =
        typeof(Link).GetProperty("ThisLock", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)
        ?? throw new InvalidOperationException("This AMQPNetLite has no Link.ThisLock: check OutboundLink.OnFlow against the library's locking.");

    /// <summary>The lock AMQPNetLite keeps a link's delivery count and credit under.</summary>
    private static object LinkLock(Link link) => LinkLockProperty.GetValue(link)!;

    public override void OnDisposition(DispositionContext dispositionContext)
    {
        if (_run.IsStopped)
            return; // every lock ended when the broker stopped; the client gets no answer, as from a broker that is down
        var message = dispositionContext.Message;
        if (WireMessages.LockTokenOf(message) is not { } token)
            return;

        var state = dispositionContext.DeliveryState;
        if (state is Released && _closed)
            return; // the link is going away; OnLinkClosed gives back every lock it holds

        (SettleResult result, DeliveryState answer) = state switch
        {
            Accepted => (_queue.Complete(token), state),
            Modified { UndeliverableHere: true } => (SettleResult.Done, Refusal(ErrorCode.NotImplemented, "Deferral is not emulated by this test broker.")),
            Modified modified => (_queue.Abandon(token, ToProperties(modified.MessageAnnotations)), state),
            Rejected rejected => (DeadLetter(token, rejected.Error), new Rejected()), // an error in the answer would read as a failure
            Released => (_queue.Release(token), state),
            _ => (SettleResult.Done, Refusal(ErrorCode.NotImplemented, $"Outcome {state} is not emulated by this test broker.")),
        };
        if (result == SettleResult.LockLost)
            answer = Refusal(LockLost, "The lock supplied is invalid: it expired, or the message was already settled or given back.");

        if (!dispositionContext.Settled)
            _link.DisposeMessage(message, answer, true);
    }

    public override void OnLinkClosed(ListenerLink link, Error error)
    {
        _closed = true;
        _queue.MessagesAvailable -= SchedulePump;
        _queue.ReleaseLocksOf(this);
    }

    private SettleResult DeadLetter(Guid token, Error? error)
    {
        var info = error?.Info;
        var properties = ToProperties(info);
        properties?.Remove(MessageQueue.DeadLetterReasonProperty);
        properties?.Remove(MessageQueue.DeadLetterDescriptionProperty);
        return _queue.DeadLetter(
            token,
            info?[(Symbol)MessageQueue.DeadLetterReasonProperty] as string,
            info?[(Symbol)MessageQueue.DeadLetterDescriptionProperty] as string,
            properties);
    }

    private static Dictionary<string, object?>? ToProperties(Fields? fields) =>
        fields?.ToDictionary(p => p.Key.ToString()!, p => (object?)p.Value);

    private static Rejected Refusal(Symbol condition, string description) => new() { Error = new Error(condition) { Description = description } };

    private void SchedulePump()
    {
        Volatile.Write(ref _pumpRequested, 1);
        if (Interlocked.CompareExchange(ref _pumping, 1, 0) == 0)
            ThreadPool.QueueUserWorkItem(_ => RunPump());
    }

    private void RunPump()
    {
        while (true)
        {
            Volatile.Write(ref _pumpRequested, 0);
            Pump();
            Volatile.Write(ref _pumping, 0);
            if (Volatile.Read(ref _pumpRequested) == 0 || Interlocked.CompareExchange(ref _pumping, 1, 0) != 0)
                return;
        }
    }

    private void Pump()
    {
        while (!_closed && !_run.IsStopped)
        {
            lock (_creditGate)
            {
                if (_credit == 0)
                    break;
                _credit--;
                _reserved++; // taken from the credit, not yet in AMQPNetLite's count: a flow meanwhile must know
            }

            var sent = TrySendOne();
            lock (_creditGate)
            {
                _reserved--;
                if (!sent)
                    _credit++;
            }
            if (!sent)
                break;
        }

        SessionWindowMend.Apply(_link.Session);
        if (!_closed && !_run.IsStopped && _link.IsDraining)
        {
            lock (_creditGate)
                _credit = 0;
            _link.CompleteDrain();
        }
    }

    private bool TrySendOne()
    {
        LockedMessage? locked = null;
        var stored = _receiveAndDelete ? _queue.TryTake() : (locked = _queue.TryLock(this))?.Message;
        if (stored is null)
            return false;

        try
        {
            _link.SendMessage(WireMessages.ForDelivery(stored, locked));
            return true;
        }
        catch (Exception) when (locked is not null)
        {
            _queue.Release(locked.LockToken); // the link went away between lock and send: not a delivery
            return false;
        }
        catch (Exception)
        {
            _queue.Enqueue([stored]); // receive-and-delete: never sent, so not taken
            return false;
        }
    }
}
