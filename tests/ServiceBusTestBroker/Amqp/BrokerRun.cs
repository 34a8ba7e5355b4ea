using System.Collections.Concurrent;
using System.Net.Sockets;
using Amqp.Framing;
using Amqp.Handler;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>
/// One run of the broker, from a start to its stop, and the sockets accepted in it. A stop must look to clients like
/// a broker going down: AMQPNetLite's own close only sends a close frame and keeps serving frames until the client
/// answers, so a send racing the stop could still be stored (and then sent again by the SDK's retry, a duplicate).
/// The stop therefore marks the run stopped, which the run's links check before storing or settling anything, and
/// closes the sockets under the connections.
/// </summary>
internal sealed class BrokerRun
{
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private volatile bool _stopped;

    public bool IsStopped => _stopped;

    public static BrokerRun Stopped()
    {
        var run = new BrokerRun();
        run._stopped = true;
        return run;
    }

    /// <summary>The handler for one accepted connection: keeps its socket, and tags deliveries with lock tokens.</summary>
    public IHandler NewConnectionHandler() => new ConnectionHandler(this);

    public void Stop()
    {
        _stopped = true;
        foreach (var socket in _sockets.Keys)
            Kill(socket);
    }

    private void Track(Socket socket)
    {
        _sockets[socket] = 0;
        if (_stopped)
            Kill(socket);
    }

    private static void Kill(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // already gone
        }

        socket.Dispose();
    }

    /// <summary>
    /// Also remembers each session whose peer's window is unlimited (see <see cref="SessionWindowMend"/>), and puts each peek-locked message's lock token in its delivery tag (16 bytes, <c>Guid.ToByteArray()</c> order),
    /// where the SDK reads <c>ServiceBusReceivedMessage.LockToken</c> from and which it settles by.
    /// </summary>
    private sealed class ConnectionHandler(BrokerRun run) : IHandler
    {
        public bool CanHandle(EventId id) => id is EventId.SocketAccept or EventId.SendDelivery or EventId.SessionRemoteOpen;

        public void Handle(Event protocolEvent)
        {
            if (protocolEvent.Id == EventId.SocketAccept && protocolEvent.Context is Socket socket)
                run.Track(socket);
            else if (protocolEvent is { Id: EventId.SessionRemoteOpen, Session: { } session, Context: Begin begin })
                SessionWindowMend.Remember(session, begin);
            else if (protocolEvent.Context is IDelivery { Message: { } message } delivery && WireMessages.LockTokenOf(message) is { } token)
                delivery.Tag = token.ToByteArray();
        }
    }
}
