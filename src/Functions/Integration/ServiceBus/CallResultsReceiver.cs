using System.Text;
using Azure.Core.Amqp;
using Azure.Messaging.ServiceBus;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// Takes call results from <c>CallResultsQueue</c> with a <see cref="ServiceBusProcessor"/> in peek-lock mode and
/// settles each by what the <see cref="ICallResultInbox"/> decides:
/// <list type="bullet">
/// <item>recorded, or a duplicate of one recorded before: <b>complete</b>;</item>
/// <item>can never be recorded (not JSON, a wrong field, an unknown call, another workspace's): <b>dead-letter</b> with
/// reason <see cref="InvalidReason"/> and the inbox's explanation as the description;</item>
/// <item>a failure of ours (storage down, a timeout): wait (<see cref="ServiceBusOptions.RetryDelay"/>, doubling per
/// delivery, the lock renewed meanwhile), then <b>abandon</b>: Service Bus delivers it again with the delivery count
/// raised, and dead-letters it itself after the queue's max delivery count.</item>
/// </list>
/// The inbox is idempotent, so a result delivered twice (a lock lost mid-handling, a crash before the complete) is
/// recorded once. The SDK reconnects by itself while the namespace is unreachable; its errors are logged.
/// A hosted service of the worker process: it runs while the worker runs (see the README, "Service Bus", for how
/// that sits with the Functions host and its scaling).
/// </summary>
internal sealed class CallResultsReceiver : BackgroundService
{
    /// <summary>The dead-letter reason of a call result that can never be recorded.</summary>
    public const string InvalidReason = "InvalidCallResult";

    /// <summary>Service Bus keeps at most 4,096 characters of a dead-letter description.</summary>
    private const int MaxDescription = 4_096;

    private readonly ServiceBusOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private long _settled;

    public CallResultsReceiver(ServiceBusOptions options, IServiceProvider services, ILogger<CallResultsReceiver> logger)
    {
        _options = options;
        _services = services;
        _logger = logger;
    }

    /// <summary>Messages this receiver settled (completed, dead-lettered or abandoned) since it started.</summary>
    public long Settled => Interlocked.Read(ref _settled);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.ReceiverEnabled)
            return;
        // Resolved here, not injected: the inbox belongs to the call-results side and may not be registered at all.
        var inbox = _services.GetService<ICallResultInbox>();
        if (inbox is null)
        {
            ServiceBusLog.NoInbox(_logger, _options.CallResultsQueue);
            return;
        }

        await Task.Yield(); // the host's StartAsync does not wait for the first connection
        var client = _services.GetRequiredService<ServiceBusClient>();
        await using var processor = client.CreateProcessor(_options.CallResultsQueue, new ServiceBusProcessorOptions
        {
            ReceiveMode = ServiceBusReceiveMode.PeekLock,
            AutoCompleteMessages = false,
            MaxConcurrentCalls = _options.MaxConcurrentCalls,
            PrefetchCount = _options.PrefetchCount,
            MaxAutoLockRenewalDuration = _options.MaxLockRenewal,
            Identifier = "call-results-" + Environment.MachineName,
        });
        processor.ProcessMessageAsync += args => HandleAsync(inbox, args);
        processor.ProcessErrorAsync += args =>
        {
            if (!(args.Exception is OperationCanceledException && stoppingToken.IsCancellationRequested))
                ServiceBusLog.ReceiverError(_logger, _options.CallResultsQueue, args.ErrorSource.ToString(), args.Exception.GetType().Name, global::Campaigns.Domain.Calls.PhoneMask.InText(args.Exception.Message));
            return Task.CompletedTask;
        };

        await processor.StartProcessingAsync(stoppingToken);
        ServiceBusLog.Receiving(_logger, _options.Connection!.ToString(), _options.CallResultsQueue);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }

        // Handlers in progress finish (or see the cancellation) and settle; prefetched messages' locks are released.
        await processor.StopProcessingAsync(CancellationToken.None);
    }

    private async Task HandleAsync(ICallResultInbox inbox, ProcessMessageEventArgs args)
    {
        var message = args.Message;
        InboundOutcome outcome;
        try
        {
            outcome = await inbox.HandleAsync(
                new InboundCallResult(message.MessageId, BodyOf(message), new Dictionary<string, object?>(message.ApplicationProperties!)), args.CancellationToken);
        }
        catch (Exception ex)
        {
            var stopping = args.CancellationToken.IsCancellationRequested;
            if (!stopping)
            {
                var delay = _options.RetryDelay(message.DeliveryCount);
                ServiceBusLog.HandlerFailed(_logger, message.MessageId, message.DeliveryCount, delay.TotalSeconds, ex.GetType().Name, global::Campaigns.Domain.Calls.PhoneMask.InText(ex.Message));
                try
                {
                    await Task.Delay(delay, args.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                }
            }

            await args.AbandonMessageAsync(message, cancellationToken: CancellationToken.None);
            Interlocked.Increment(ref _settled);
            return;
        }

        if (outcome.Disposition is InboundDisposition.Invalid)
        {
            var description = outcome.Reason ?? "invalid call result";
            ServiceBusLog.InvalidResult(_logger, message.MessageId, global::Campaigns.Domain.Calls.PhoneMask.InText(description));
            await args.DeadLetterMessageAsync(message, InvalidReason,
                description.Length > MaxDescription ? description[..MaxDescription] : description, CancellationToken.None);
        }
        else
        {
            await args.CompleteMessageAsync(message, CancellationToken.None);
        }

        Interlocked.Increment(ref _settled);
    }

    /// <summary>The body as bytes: a Data body as it is, an AMQP value string as UTF-8 (senders use either).</summary>
    internal static ReadOnlyMemory<byte> BodyOf(ServiceBusReceivedMessage message)
    {
        var body = message.GetRawAmqpMessage().Body;
        if (body.TryGetData(out var data) && data is not null)
        {
            var segments = data.ToList();
            return segments.Count == 1 ? segments[0] : segments.SelectMany(s => s.ToArray()).ToArray();
        }

        return body.TryGetValue(out var value) ? value switch
        {
            string text => Encoding.UTF8.GetBytes(text),
            byte[] bytes => bytes,
            _ => ReadOnlyMemory<byte>.Empty,
        } : ReadOnlyMemory<byte>.Empty;
    }
}
