namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// Log messages of the AMQP side (event ids 5001-5099). Addresses are logged through <see cref="ServiceBusAddress.ToString"/>,
/// which holds no key or password.
/// </summary>
internal static partial class ServiceBusLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Publishing events to {Topic} on {Address}")]
    public static partial void Connected(ILogger logger, string address, string topic);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Could not connect to {Address} to publish to {Topic}: {ErrorType}: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string address, string topic, string errorType, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Publishing to {Topic} stopped after {Accepted} of {Count} events (next id {EventId}): {Reason}")]
    public static partial void PublishFailed(ILogger logger, string topic, int accepted, int count, string eventId, string reason);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "CallResultsQueue {Queue} is set but no call-result inbox is registered: the listener does not start")]
    public static partial void NoInbox(ILogger logger, string queue);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Receiving call results from {Queue} on {Address}")]
    public static partial void ListenerConnected(ILogger logger, string address, string queue);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "Call-results link to {Queue} on {Address} is down, retrying in {DelaySeconds} s: {ErrorType}: {Reason}")]
    public static partial void ListenerDisconnected(ILogger logger, string address, string queue, double delaySeconds, string errorType, string reason);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Call result {MessageId} failed and is released for redelivery: {ErrorType}: {Reason}")]
    public static partial void HandlerFailed(ILogger logger, string? messageId, string errorType, string reason);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Warning, Message = "Call result {MessageId} is invalid and rejected (dead-lettered): {Reason}")]
    public static partial void InvalidResult(ILogger logger, string? messageId, string? reason);
}
