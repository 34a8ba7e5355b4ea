using System.Globalization;
using Azure.Messaging.ServiceBus;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// Settings of the Service Bus side, named as Azure Functions names a connection (<c>ServiceBusConnection</c>):
/// <list type="bullet">
/// <item><c>ServiceBusConnection</c>: a connection string (SAS key); or, for Microsoft Entra ID,
/// <c>ServiceBusConnection__fullyQualifiedNamespace</c> (<c>contoso.servicebus.windows.net</c>) with, optionally,
/// <c>ServiceBusConnection__credential</c> = <c>managedidentity</c> and <c>ServiceBusConnection__clientId</c> for a
/// user-assigned identity. Neither = no broker.</item>
/// <item><c>ServiceBusTopic</c>: where events go. Default <c>campaign-events</c> (or the connection string's
/// <c>EntityPath</c>, when it has one and no topic is set).</item>
/// <item><c>CallResultsQueue</c>: the queue call results come from; empty = no receiver.</item>
/// <item>Tuning under <c>ServiceBus:</c> (e.g. <c>ServiceBus__MaxConcurrentCalls</c>), see the properties.</item>
/// </list>
/// </summary>
internal sealed class ServiceBusOptions
{
    public const string DefaultTopic = "campaign-events";
    public const string ConnectionName = "ServiceBusConnection";

    /// <summary>How to reach the namespace; null when none is configured (the broker is off).</summary>
    public ServiceBusConnection? Connection { get; init; }

    public string Topic { get; init; } = DefaultTopic;

    /// <summary>The queue inbound call results come from; empty when the receiver is off.</summary>
    public string CallResultsQueue { get; init; } = "";

    /// <summary>How long one attempt of an operation (connect, send a batch, settle) may take. Default 30 s.</summary>
    public TimeSpan TryTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The SDK's own retries of a failed operation (exponential, from 0.8 s). Default 2: a send that still fails goes
    /// back to the relay, which keeps the events in the outbox and tries again with its own back-off.
    /// </summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>Most events in one <see cref="ServiceBusMessageBatch"/>, beside its size limit (the entity's). Default 1,000.</summary>
    public int MaxBatchEvents { get; init; } = 1_000;

    /// <summary>Call results handled at once by the receiver. Default 16.</summary>
    public int MaxConcurrentCalls { get; init; } = 16;

    /// <summary>Call results fetched ahead of the handlers (locked while they wait). Default 16.</summary>
    public int PrefetchCount { get; init; } = 16;

    /// <summary>How long the receiver keeps renewing a message's lock while it is handled. Default 5 min.</summary>
    public TimeSpan MaxLockRenewal { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// After a failure of ours on a call result, the wait before it is abandoned (redelivered): this, doubled on each
    /// delivery, at most <see cref="HandlerRetryMaxDelay"/>. Default 1 s.
    /// </summary>
    public TimeSpan HandlerRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait before a failed call result is abandoned. Default 30 s.</summary>
    public TimeSpan HandlerRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>AmqpTcp</c> (port 5671) or <c>AmqpWebSockets</c> (443, through proxies). Default AmqpTcp.</summary>
    public ServiceBusTransportType TransportType { get; init; } = ServiceBusTransportType.AmqpTcp;

    public bool Enabled => Connection is not null;

    public bool ReceiverEnabled => Enabled && CallResultsQueue.Length > 0;

    /// <summary>The wait before a call result that failed on its <paramref name="deliveryCount"/>th delivery is abandoned.</summary>
    public TimeSpan RetryDelay(int deliveryCount)
    {
        var doubled = HandlerRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(deliveryCount - 1, 0, 20));
        return TimeSpan.FromMilliseconds(Math.Min(doubled, HandlerRetryMaxDelay.TotalMilliseconds));
    }

    /// <summary>The SDK's client options from these settings.</summary>
    public ServiceBusClientOptions ClientOptions() => new()
    {
        TransportType = TransportType,
        RetryOptions = new ServiceBusRetryOptions
        {
            Mode = ServiceBusRetryMode.Exponential,
            MaxRetries = MaxRetries,
            TryTimeout = TryTimeout,
            Delay = TimeSpan.FromMilliseconds(800),
            MaxDelay = TimeSpan.FromSeconds(10),
        },
    };

    /// <summary>Reads the settings; a malformed one throws <see cref="FormatException"/> (fail at startup, not at the first event).</summary>
    public static ServiceBusOptions From(IConfiguration configuration)
    {
        var connection = ServiceBusConnection.From(configuration.GetSection(ConnectionName));
        var topic = configuration["ServiceBusTopic"]?.Trim();
        if (string.IsNullOrEmpty(topic))
            topic = connection?.EntityPath ?? DefaultTopic;
        var tuning = configuration.GetSection("ServiceBus");
        return new ServiceBusOptions
        {
            Connection = connection,
            Topic = topic,
            CallResultsQueue = configuration["CallResultsQueue"]?.Trim() ?? "",
            TryTimeout = TimeSpan.FromSeconds(Whole(tuning, "TryTimeoutSeconds", 30, 1)),
            MaxRetries = Whole(tuning, "MaxRetries", 2, 0),
            MaxBatchEvents = Whole(tuning, "MaxBatchEvents", 1_000, 1),
            MaxConcurrentCalls = Whole(tuning, "MaxConcurrentCalls", 16, 1),
            PrefetchCount = Whole(tuning, "PrefetchCount", 16, 0),
            MaxLockRenewal = TimeSpan.FromSeconds(Whole(tuning, "MaxLockRenewalSeconds", 300, 0)),
            HandlerRetryDelay = TimeSpan.FromMilliseconds(Whole(tuning, "HandlerRetryDelayMs", 1000, 1)),
            HandlerRetryMaxDelay = TimeSpan.FromSeconds(Whole(tuning, "HandlerRetryMaxDelaySeconds", 30, 1)),
            TransportType = Transport(tuning["TransportType"]),
        };
    }

    private static ServiceBusTransportType Transport(string? text) => text?.Trim() switch
    {
        null or "" => ServiceBusTransportType.AmqpTcp,
        var t when Enum.TryParse<ServiceBusTransportType>(t, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) => parsed,
        var t => throw new FormatException($"ServiceBus:TransportType must be AmqpTcp or AmqpWebSockets, not '{t}'."),
    };

    private static int Whole(IConfiguration section, string key, int fallback, int minimum)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum)
            throw new FormatException($"ServiceBus:{key} must be a whole number of at least {minimum}, not '{text}'.");
        return value;
    }
}
