namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// Log messages of the Service Bus side (event ids 5001-5099). Connections are logged through
/// <see cref="ServiceBusConnection.ToString"/>, which names the namespace and never a key.
/// </summary>
internal static partial class ServiceBusLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Publishing events to {Topic} on {Namespace}")]
    public static partial void Publishing(ILogger logger, string @namespace, string topic);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Publishing to {Topic} stopped after {Accepted} of {Count} events (next id {EventId}): {Reason}")]
    public static partial void PublishFailed(ILogger logger, string topic, int accepted, int count, string eventId, string reason);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "CallResultsQueue {Queue} is set but no call-result inbox is registered: the receiver does not start")]
    public static partial void NoInbox(ILogger logger, string queue);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Receiving call results from {Queue} on {Namespace}")]
    public static partial void Receiving(ILogger logger, string @namespace, string queue);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "Call-results receiver on {Queue}: {ErrorSource} failed: {ErrorType}: {Reason}")]
    public static partial void ReceiverError(ILogger logger, string queue, string errorSource, string errorType, string reason);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Call result {MessageId} failed on delivery {DeliveryCount}; abandoned for redelivery in {DelaySeconds} s: {ErrorType}: {Reason}")]
    public static partial void HandlerFailed(ILogger logger, string? messageId, int deliveryCount, double delaySeconds, string errorType, string reason);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Warning, Message = "Call result {MessageId} can never be recorded and is dead-lettered: {Reason}")]
    public static partial void InvalidResult(ILogger logger, string? messageId, string? reason);
}
