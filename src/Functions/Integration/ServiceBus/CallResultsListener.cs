using System.Text;
using System.Threading.Channels;
using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// Receives call results from <c>CallResultsQueue</c> and hands each to the <see cref="ICallResultInbox"/>, then settles
/// it by the outcome: recorded or duplicate = accept (complete), invalid = reject with the reason (Service Bus
/// dead-letters it), an exception = release (redelivered later) after a short pause. Delivery is at-least-once and the
/// inbox is idempotent, so a message settled twice or redelivered after a crash changes nothing. While the broker is
/// down it reconnects, waiting 1 s, then doubling up to 30 s. Runs only when a connection, a queue and an inbox exist.
/// </summary>
internal sealed class CallResultsListener : BackgroundService
{
    public const string InvalidCondition = "campaigns:invalid-call-result";

    private readonly ServiceBusOptions _options;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CallResultsListener(ServiceBusOptions options, IServiceProvider services, TimeProvider time, ILogger<CallResultsListener> logger)
    {
        _options = options;
        _services = services;
        _time = time;
        _logger = logger;
    }

    /// <summary>Messages this listener settled since it started (tests wait on it).</summary>
    public long Settled => Interlocked.Read(ref _settled);
    private long _settled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.ListenerEnabled)
            return;
        // Resolved here, not injected: the inbox belongs to the call-results side and may not be registered at all.
        var inbox = _services.GetService<ICallResultInbox>();
        if (inbox is null)
        {
            ServiceBusLog.NoInbox(_logger, _options.CallResultsQueue);
            return;
        }

        await Task.Yield(); // the host's StartAsync does not wait for the first connection
        var delay = _options.ReconnectMinDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReceiveUntilBrokenAsync(inbox, () => delay = _options.ReconnectMinDelay, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ServiceBusLog.ListenerDisconnected(_logger, _options.Address!.ToString(), _options.CallResultsQueue, delay.TotalSeconds, ex.GetType().Name, ex.Message);
            }

            try
            {
                await Task.Delay(delay, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = Min(delay * 2, _options.ReconnectMaxDelay);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>One connection's life: attach, then hand over messages until the link or connection breaks.</summary>
    private async Task ReceiveUntilBrokenAsync(ICallResultInbox inbox, Action connected, CancellationToken stoppingToken)
    {
        await using var channel = await AmqpChannel.OpenAsync(_options.Address!, _options, _time, stoppingToken);
        var link = await channel.AttachReceiverAsync("call-results-" + Guid.NewGuid().ToString("N")[..8], _options.CallResultsQueue, stoppingToken);
        var arrived = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
        void Closed(Error? error) => arrived.Writer.TryComplete(new AmqpException(error ?? new Error(ErrorCode.DetachForced) { Description = "closed by the broker" }));
        link.AddClosedCallback((_, error) => Closed(error));
        channel.OnClosed(Closed);
        link.Start(_options.ReceiveCredit, (_, message) => arrived.Writer.TryWrite(message));
        connected();
        ServiceBusLog.ListenerConnected(_logger, _options.Address!.ToString(), _options.CallResultsQueue);

        while (true)
        {
            var message = await arrived.Reader.ReadAsync(stoppingToken); // throws the AmqpException once the link closed
            await HandleAsync(inbox, link, message, stoppingToken);
        }
    }

    private async Task HandleAsync(ICallResultInbox inbox, ReceiverLink link, Message message, CancellationToken stoppingToken)
    {
        var messageId = message.Properties?.GetMessageId()?.ToString();
        InboundOutcome outcome;
        try
        {
            outcome = await inbox.HandleAsync(new InboundCallResult(messageId, BodyOf(message), ApplicationPropertiesOf(message)), stoppingToken);
        }
        catch (Exception ex)
        {
            link.Release(message);
            Interlocked.Increment(ref _settled);
            if (ex is OperationCanceledException && stoppingToken.IsCancellationRequested)
                throw;
            ServiceBusLog.HandlerFailed(_logger, messageId, ex.GetType().Name, ex.Message);
            await Task.Delay(_options.HandlerRetryDelay, _time, stoppingToken);
            return;
        }

        if (outcome.Disposition is InboundDisposition.Invalid)
        {
            ServiceBusLog.InvalidResult(_logger, messageId, outcome.Reason);
            link.Reject(message, new Error(new Symbol(InvalidCondition)) { Description = outcome.Reason ?? "invalid call result" });
        }
        else
        {
            link.Accept(message);
        }

        Interlocked.Increment(ref _settled);
    }

    /// <summary>The body as bytes: a Data section as it is, an AmqpValue string as UTF-8 (senders use either).</summary>
    internal static ReadOnlyMemory<byte> BodyOf(Message message) => message.Body switch
    {
        byte[] bytes => bytes,
        string text => Encoding.UTF8.GetBytes(text),
        ArraySegment<byte> segment => segment.AsMemory(),
        _ => ReadOnlyMemory<byte>.Empty,
    };

    internal static IReadOnlyDictionary<string, object?> ApplicationPropertiesOf(Message message)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (message.ApplicationProperties?.Map is { } map)
        {
            foreach (var key in map.Keys)
                result[key.ToString() ?? ""] = map[key];
        }

        return result;
    }
}
