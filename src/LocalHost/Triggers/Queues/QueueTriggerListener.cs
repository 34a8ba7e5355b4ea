using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Campaigns.LocalHost.Configuration;
using Campaigns.LocalHost.Grpc.Messages;
using Campaigns.LocalHost.Invocation;
using Campaigns.LocalHost.Worker;

namespace Campaigns.LocalHost.Triggers.Queues;

/// <summary>
/// A queue trigger with the Functions host's semantics (host.json <c>extensions.queues</c>): up to <c>batchSize</c>
/// messages in flight, more fetched once in-flight drops to <c>newBatchThreshold</c>; an empty poll backs off
/// exponentially from 100 ms to <c>maxPollingInterval</c> and a message found resets it; a failed message is made
/// visible again after <c>visibilityTimeout</c>, and after <c>maxDequeueCount</c> tries it moves to
/// <c>{queue}-poison</c>. A message received while a worker dies fails like any other and comes back the same way;
/// one whose host dies comes back when its receive lease (<see cref="ReceiveLease"/>) runs out.
/// </summary>
public sealed partial class QueueTriggerListener : ITriggerListener
{
    private readonly FunctionDescriptor _function;
    private readonly TriggerContext _context;
    private readonly QueueSettings _settings;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly ILogger _log;

    public QueueTriggerListener(FunctionDescriptor function, TriggerContext context)
    {
        _function = function;
        _context = context;
        _settings = context.HostJson.Queues;
        var name = context.Settings.Resolve(function.Property("queueName") ?? throw new InvalidDataException($"{function.Name}: queueTrigger without queueName")).ToLowerInvariant();
        var options = new QueueClientOptions { MessageEncoding = _settings.Base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None };
        context.StorageRequests?.Apply(options);
        var connection = context.Settings.Connection(function.Property("connection"));
        _queue = new QueueClient(connection, name, options);
        _poison = new QueueClient(connection, name + "-poison", options);
        _log = context.Loggers.CreateLogger<QueueTriggerListener>();
        // Long enough that a running function keeps its message: the host settles it (delete or release) when done.
        ReceiveLease = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(10).Ticks, (context.Dispatcher.FunctionTimeout + TimeSpan.FromMinutes(1)).Ticks));
    }

    public string FunctionName => _function.Name;

    public string QueueName => _queue.Name;

    public TimeSpan ReceiveLease { get; }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        var inFlight = new List<Task>();
        var idle = QueueSettings.MinPollingInterval;
        LogListening(_function.Name, _queue.Name);
        while (!stoppingToken.IsCancellationRequested)
        {
            inFlight.RemoveAll(t => t.IsCompleted);
            if (inFlight.Count > _settings.NewBatchThreshold)
            {
                await Task.WhenAny(inFlight);
                continue;
            }
            QueueMessage[] messages;
            try
            {
                messages = (await _queue.ReceiveMessagesAsync(_settings.BatchSize - inFlight.Count, ReceiveLease, stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or FormatException)
            {
                LogPollFailed(_queue.Name, ex.Message);
                messages = [];
            }
            if (messages.Length == 0)
                await DelayAsync(idle, inFlight, stoppingToken);
            idle = QueueSettlement.NextPollDelay(idle, messages.Length > 0, _settings);
            inFlight.AddRange(messages.Select(ProcessAsync));
        }
        await Task.WhenAll(inFlight);
    }

    /// <summary>Waits for the back-off, or less when an in-flight message settles (there is room for more).</summary>
    private async Task DelayAsync(TimeSpan delay, List<Task> inFlight, CancellationToken stoppingToken)
    {
        try
        {
            var wait = Task.Delay(delay, _context.Time, stoppingToken);
            await (inFlight.Count > 0 ? Task.WhenAny(wait, Task.WhenAny(inFlight)) : wait);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>At-least-once, as in Azure: a message is deleted only after its function succeeded.</summary>
    private async Task ProcessAsync(QueueMessage message)
    {
        // Invocations run to completion even when stopping: the host drains them before it stops the worker.
        var settlement = QueueSettlement.BeforeInvoking(message.DequeueCount, _settings)
            ?? QueueSettlement.After((await _context.Dispatcher.InvokeAsync(_function, BuildInvocation(message), null, CancellationToken.None)).Status,
                message.DequeueCount, _settings);
        try
        {
            switch (settlement)
            {
                case QueueSettlement.Delete:
                    await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                    break;
                case QueueSettlement.Poison:
                    await PoisonAsync(message);
                    break;
                case QueueSettlement.Release release:
                    LogReleased(_function.Name, message.MessageId, message.DequeueCount, release.Delay.TotalMilliseconds);
                    await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: release.Delay, cancellationToken: CancellationToken.None);
                    break;
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 400)
        {
            LogLostReceipt(_function.Name, message.MessageId); // its lease ran out: it will be delivered again
        }
    }

    private async Task PoisonAsync(QueueMessage message)
    {
        await _poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
        await _poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        LogPoisoned(_function.Name, message.MessageId, message.DequeueCount, _poison.Name);
    }

    private InvocationRequest BuildInvocation(QueueMessage message)
    {
        var binary = string.Equals(_function.Property("dataType"), "binary", StringComparison.OrdinalIgnoreCase);
        var text = message.Body.ToString();
        var request = new InvocationRequest { InvocationId = Guid.NewGuid().ToString() };
        request.InputData.Add(new ParameterBinding
        {
            Name = _function.TriggerName,
            Data = binary ? TypedDataValues.Bytes(message.Body.ToArray()) : TypedDataValues.String(text),
        });
        var metadata = request.TriggerMetadata;
        metadata["QueueTrigger"] = TypedDataValues.String(text);
        metadata["DequeueCount"] = TypedDataValues.Json(JsonSerializer.Serialize(message.DequeueCount));
        metadata["Id"] = TypedDataValues.String(message.MessageId);
        metadata["PopReceipt"] = TypedDataValues.String(message.PopReceipt);
        metadata["InsertionTime"] = TypedDataValues.Time(message.InsertedOn);
        metadata["ExpirationTime"] = TypedDataValues.Time(message.ExpiresOn);
        metadata["NextVisibleTime"] = TypedDataValues.Time(message.NextVisibleOn);
        return request;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Function '{Function}' listens to queue '{Queue}'")]
    private partial void LogListening(string function, string queue);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Polling queue '{Queue}' failed: {Reason}")]
    private partial void LogPollFailed(string queue, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Function '{Function}' failed on message {MessageId} (dequeue count {DequeueCount}): visible again in {Milliseconds} ms")]
    private partial void LogReleased(string function, string messageId, long dequeueCount, double milliseconds);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "Function '{Function}': message {MessageId} moved to '{Poison}' after {DequeueCount} tries")]
    private partial void LogPoisoned(string function, string messageId, long dequeueCount, string poison);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Function '{Function}': message {MessageId} could not be settled (its pop receipt expired)")]
    private partial void LogLostReceipt(string function, string messageId);
}

/// <summary>Makes a <see cref="QueueTriggerListener"/> for each queueTrigger.</summary>
public sealed class QueueTriggerProvider : ITriggerListenerProvider
{
    public ITriggerListener? TryCreate(FunctionDescriptor function, TriggerContext context) =>
        function.IsTrigger("queueTrigger") ? new QueueTriggerListener(function, context) : null;
}
