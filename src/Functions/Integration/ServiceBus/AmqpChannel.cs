using Amqp;
using Amqp.Framing;
using Amqp.Sasl;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// One AMQP connection and session to the broker, shared by the links of one user (the publisher, the listener). With
/// <see cref="AmqpAuth.Cbs"/> it also holds the <c>$cbs</c> request/response pair: <see cref="AttachSenderAsync"/> and
/// <see cref="AttachReceiverAsync"/> put a SAS token for the link's entity first, and every token is put again when 80 %
/// of its lifetime has passed. Once <see cref="IsBroken"/>, the owner disposes it and opens a new one.
/// </summary>
internal sealed class AmqpChannel : IAsyncDisposable
{
    private const string CbsNode = "$cbs";
    private readonly ServiceBusAddress _address;
    private readonly ServiceBusOptions _options;
    private readonly TimeProvider _time;
    private readonly Connection _connection;
    private readonly Session _session;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _cbsGate = new(1, 1);
    private readonly HashSet<string> _authorized = new(StringComparer.Ordinal);
    private SenderLink? _cbsSender;
    private ReceiverLink? _cbsReceiver;
    private string _cbsReplyTo = "";
    private Task _refresh = Task.CompletedTask;

    private AmqpChannel(ServiceBusAddress address, ServiceBusOptions options, TimeProvider time, Connection connection)
    {
        _address = address;
        _options = options;
        _time = time;
        _connection = connection;
        _session = new Session(connection);
    }

    /// <summary>Why the connection closed, when the broker said so (no secrets: it is the broker's error).</summary>
    public Error? CloseError => _connection.Error;

    public bool IsBroken => _connection.IsClosed || _session.IsClosed;

    /// <summary>Called (once) when the connection closes for any reason.</summary>
    public void OnClosed(Action<Error?> closed) => _connection.AddClosedCallback((_, error) => closed(error));

    public static async Task<AmqpChannel> OpenAsync(ServiceBusAddress address, ServiceBusOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory();
        factory.AMQP.ContainerId = "campaigns-" + Guid.NewGuid().ToString("N")[..12];
        factory.AMQP.HostName = address.Host;
        if (address.Auth is AmqpAuth.Anonymous or AmqpAuth.Cbs)
            factory.SASL.Profile = SaslProfile.Anonymous;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.SendTimeout);
        Connection connection;
        try
        {
            connection = await factory.CreateAsync(address.ToAmqpAddress(), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Connecting to {address} took longer than {options.SendTimeout.TotalSeconds:0} s.");
        }

        return new AmqpChannel(address, options, time, connection);
    }

    /// <summary>A sender link on <paramref name="target"/>, attached (and authorized, with CBS) before it returns.</summary>
    public async Task<SenderLink> AttachSenderAsync(string name, string target, CancellationToken cancellationToken)
    {
        await AuthorizeAsync(target, cancellationToken);
        var attached = NewAttachSignal();
        var link = new SenderLink(_session, name, new Target { Address = target }, (_, attach) => Signal(attached, attach.Target is not null));
        await AwaitAttachAsync(link, attached, $"target '{target}'", cancellationToken);
        return link;
    }

    /// <summary>A receiver link on <paramref name="source"/>, attached (and authorized, with CBS) before it returns; no credit yet.</summary>
    public async Task<ReceiverLink> AttachReceiverAsync(string name, string source, CancellationToken cancellationToken)
    {
        await AuthorizeAsync(source, cancellationToken);
        var attached = NewAttachSignal();
        var link = new ReceiverLink(_session, name, new Source { Address = source }, (_, attach) => Signal(attached, attach.Source is not null));
        await AwaitAttachAsync(link, attached, $"source '{source}'", cancellationToken);
        return link;
    }

    private static TaskCompletionSource<bool> NewAttachSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Signal(TaskCompletionSource<bool> attached, bool hasTerminus) => attached.TrySetResult(hasTerminus);

    private async Task AwaitAttachAsync(Link link, TaskCompletionSource<bool> attached, string what, CancellationToken cancellationToken)
    {
        link.AddClosedCallback((_, error) => attached.TrySetException(new AmqpException(error ?? new Error(ErrorCode.DetachForced) { Description = "link closed while attaching" })));
        bool ok;
        try
        {
            ok = await attached.Task.WaitAsync(_options.SendTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            await CloseQuietlyAsync(link);
            throw new TimeoutException($"Attaching a link to {what} took longer than {_options.SendTimeout.TotalSeconds:0} s.");
        }

        if (!ok)
        {
            // The broker refused the link (an attach without a terminus); the detach with its reason follows.
            await CloseQuietlyAsync(link);
            throw new AmqpException(link.Error ?? new Error(ErrorCode.NotFound) { Description = $"the broker refused a link to {what}" });
        }
    }

    private async Task AuthorizeAsync(string entity, CancellationToken cancellationToken)
    {
        if (_address.Auth != AmqpAuth.Cbs)
            return;
        await _cbsGate.WaitAsync(cancellationToken);
        try
        {
            if (_cbsSender is null)
            {
                _cbsReplyTo = "cbs-" + Guid.NewGuid().ToString("N")[..12];
                var senderAttached = NewAttachSignal();
                var sender = new SenderLink(_session, _cbsReplyTo + "-sender", new Target { Address = CbsNode }, (_, attach) => Signal(senderAttached, attach.Target is not null));
                await AwaitAttachAsync(sender, senderAttached, "target '$cbs'", cancellationToken);
                var receiverAttached = NewAttachSignal();
                var receiver = new ReceiverLink(_session, _cbsReplyTo + "-receiver",
                    new Attach { Source = new Source { Address = CbsNode }, Target = new Target { Address = _cbsReplyTo } },
                    (_, attach) => Signal(receiverAttached, attach.Source is not null));
                await AwaitAttachAsync(receiver, receiverAttached, "source '$cbs'", cancellationToken);
                // Credit for the answers before the first request goes out: a put-token answered before ReceiveAsync
                // granted credit arrived on a link without credit, and the link was closed ("no credit").
                receiver.SetCredit(16, autoRestore: true);
                (_cbsSender, _cbsReceiver) = (sender, receiver);
                _refresh = RefreshTokensAsync(_stop.Token);
            }

            await PutTokenAsync(entity, cancellationToken);
            _authorized.Add(entity);
        }
        finally
        {
            _cbsGate.Release();
        }
    }

    /// <summary>One CBS put-token round trip (the caller holds <see cref="_cbsGate"/>).</summary>
    private async Task PutTokenAsync(string entity, CancellationToken cancellationToken)
    {
        var expiresAt = _time.GetUtcNow() + _options.TokenLifetime;
        var request = new Message(_address.CreateSasToken(entity, expiresAt))
        {
            Properties = new Properties { MessageId = Guid.NewGuid().ToString("N"), ReplyTo = _cbsReplyTo },
            ApplicationProperties = new ApplicationProperties(),
        };
        request.ApplicationProperties["operation"] = "put-token";
        request.ApplicationProperties["type"] = "servicebus.windows.net:sastoken";
        request.ApplicationProperties["name"] = _address.AudienceOf(entity);
        request.ApplicationProperties["expiration"] = expiresAt.UtcDateTime;
        await _cbsSender!.SendAsync(request, _options.SendTimeout).WaitAsync(cancellationToken);
        var response = await _cbsReceiver!.ReceiveAsync(_options.SendTimeout).WaitAsync(cancellationToken)
            ?? throw new TimeoutException($"No answer to the CBS put-token for '{entity}' within {_options.SendTimeout.TotalSeconds:0} s.");
        _cbsReceiver.Accept(response);
        var status = response.ApplicationProperties?["status-code"] is { } code ? Convert.ToInt32(code, System.Globalization.CultureInfo.InvariantCulture) : 0;
        if (status is not (200 or 202))
        {
            var description = response.ApplicationProperties?["status-description"] as string;
            throw new AmqpException(new Error(ErrorCode.UnauthorizedAccess) { Description = $"CBS put-token for '{entity}' answered {status} {description}" });
        }
    }

    private async Task RefreshTokensAsync(CancellationToken stop)
    {
        var every = _options.TokenLifetime * 0.8;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, _time, stop);
                await _cbsGate.WaitAsync(stop);
                try
                {
                    foreach (var entity in _authorized)
                        await PutTokenAsync(entity, stop);
                }
                finally
                {
                    _cbsGate.Release();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // A token that cannot be renewed ends the connection; its owner reconnects (and puts fresh tokens).
                await CloseQuietlyAsync(_connection);
                return;
            }
        }
    }

    internal static async Task CloseQuietlyAsync(AmqpObject item)
    {
        try
        {
            await item.CloseAsync(TimeSpan.FromSeconds(2), null);
        }
        catch (Exception)
        {
            // Closing something already broken: nothing to do.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await CloseQuietlyAsync(_connection);
        try
        {
            await _refresh;
        }
        catch (Exception)
        {
            // ended with the connection
        }

        _stop.Dispose();
    }
}
