using System.Net;
using System.Net.Sockets;
using Campaigns.Domain.Network;

namespace Campaigns.Functions.Network;

/// <summary>Resolves a host name to its addresses (the DNS by default; tests give their own answers).</summary>
internal interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system resolver (<see cref="Dns"/>).</summary>
internal sealed class DnsHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>Opens a TCP connection to one checked address (a socket by default; tests record the attempts instead).</summary>
internal interface ISocketConnector
{
    ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken);
}

/// <summary>A plain TCP socket, Nagle off, as <see cref="SocketsHttpHandler"/> opens its own.</summary>
internal sealed class TcpSocketConnector : ISocketConnector
{
    public async ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>
/// A connection the <see cref="EgressPolicy"/> refused; no socket was opened. <see cref="SocketsHttpHandler"/> hands it
/// to the caller as the inner exception of an <see cref="HttpRequestException"/> (<see cref="HttpRequestError.ConnectionError"/>).
/// </summary>
internal sealed class EgressRefusedException(string host, string reason) : Exception($"Outbound connection refused: {reason}")
{
    public string Host { get; } = host;

    public string Reason { get; } = reason;

    /// <summary>The refusal behind a failed request, if that is why it failed.</summary>
    public static EgressRefusedException? In(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is EgressRefusedException refused)
                return refused;
        }
        return null;
    }
}

/// <summary>
/// The connect step of every outbound HTTP client that reaches a URL someone else chose (webhooks, the HTTP voice agent):
/// a <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the host itself (<see cref="IHostResolver"/>), asks
/// the <see cref="EgressPolicy"/> about every address it got, and connects to those checked addresses, never to the name.
/// So the check holds for each new connection, whatever the URL said when it was registered, and a name that answers a
/// public address to a first lookup and a private one to the next (DNS rebinding) is refused at the second connection.
/// Refused: the exception carries why, and no socket is opened. Allowed: the addresses are tried in the order the resolver
/// gave them. Proxies are not used (<see cref="SocketsHttpHandler.UseProxy"/> off): through a proxy the check would see
/// the proxy, not the destination. HTTP/3 is not offered, since QUIC does not go through the connect callback.
/// </summary>
internal sealed partial class EgressGuard(EgressPolicy policy, IHostResolver resolver, ISocketConnector connector, ILogger<EgressGuard> log)
{
    public EgressPolicy Policy => policy;

    /// <summary>A handler whose connections go through <see cref="ConnectAsync"/>; <paramref name="configure"/> sets the rest.</summary>
    public SocketsHttpHandler CreateHandler(Action<SocketsHttpHandler>? configure = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = ConnectAsync,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // a long-lived connection is checked again when it is replaced
        };
        configure?.Invoke(handler);
        handler.UseProxy = false;
        handler.ConnectCallback = ConnectAsync;
        return handler;
    }

    /// <summary>The connect callback: resolve, decide, connect to a checked address (or throw <see cref="EgressRefusedException"/>).</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var (host, port) = (context.DnsEndPoint.Host, context.DnsEndPoint.Port);
        var decision = await DecideAsync(host, cancellationToken);
        if (!decision.Allowed)
        {
            LogRefused(host, port, decision.Reason!);
            throw new EgressRefusedException(host, decision.Reason!);
        }
        Exception? last = null;
        foreach (var address in decision.Addresses)
        {
            try
            {
                return await connector.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
            }
            catch (Exception ex) when (ex is SocketException or IOException && !cancellationToken.IsCancellationRequested)
            {
                last = ex; // the next checked address, as a resolver's answer list is meant to be used
            }
        }
        throw last!;
    }

    /// <summary>What the policy says about <paramref name="host"/> now: a literal address as it is, a name as it resolves.</summary>
    public async Task<EgressDecision> DecideAsync(string host, CancellationToken cancellationToken)
    {
        var literal = host.TrimStart('[').TrimEnd(']');
        if (IPAddress.TryParse(literal, out var address))
            return policy.Decide(literal, [address]);
        // A name that does not resolve throws the resolver's SocketException, which the handler reports as a
        // NameResolutionError, as it would have without this callback.
        return policy.Decide(host, await resolver.ResolveAsync(host, cancellationToken));
    }

    [LoggerMessage(EventId = 5200, Level = LogLevel.Warning, Message = "Outbound connection to {Host}:{Port} refused by the egress policy: {Reason}")]
    private partial void LogRefused(string host, int port, string reason);
}
