using System.Globalization;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// Settings of the AMQP 1.0 side (Azure Service Bus in production, RabbitMQ's AMQP 1.0 plugin in tests):
/// <list type="bullet">
/// <item><c>ServiceBusConnection</c>: a Service Bus connection string or an <c>amqp(s)://</c> URL (<see cref="ServiceBusAddress"/>); empty = no broker.</item>
/// <item><c>ServiceBusTopic</c>: where events go, used verbatim as the AMQP target address. Default <c>campaign-events</c>
/// (or the connection string's <c>EntityPath</c>, when it has one and no topic is set).</item>
/// <item><c>CallResultsQueue</c>: where call results come from, verbatim source address; empty = no listener.</item>
/// <item>Tuning under <c>ServiceBus:</c> (e.g. <c>ServiceBus__MaxUnsettled</c>), see the properties.</item>
/// </list>
/// </summary>
internal sealed class ServiceBusOptions
{
    public const string DefaultTopic = "campaign-events";

    /// <summary>The parsed <c>ServiceBusConnection</c>; null when none is configured (the broker is off).</summary>
    public ServiceBusAddress? Address { get; init; }

    public string Topic { get; init; } = DefaultTopic;

    /// <summary>Source address of inbound call results; empty when the listener is off.</summary>
    public string CallResultsQueue { get; init; } = "";

    /// <summary>Most events of one batch sent and not yet settled by the broker at once. Default 500.</summary>
    public int MaxUnsettled { get; init; } = 500;

    /// <summary>How long connecting, attaching, a CBS round trip or one event's outcome may take. Default 30 s.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Link credit of the call-results receiver: messages in hand at once. Default 16.</summary>
    public int ReceiveCredit { get; init; } = 16;

    /// <summary>First wait before reconnecting after a failure; it doubles up to <see cref="ReconnectMaxDelay"/>. Default 1 s.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between two reconnect attempts. Default 30 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause after the inbox threw on a message (the message is released for redelivery). Default 1 s.</summary>
    public TimeSpan HandlerRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Lifetime of a CBS SAS token; it is put again when 80 % of it has passed. Default 1 hour.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    public bool Enabled => Address is not null;

    public bool ListenerEnabled => Enabled && CallResultsQueue.Length > 0;

    /// <summary>Reads the settings; a malformed <c>ServiceBusConnection</c> throws <see cref="FormatException"/> (fail at startup, not at the first event).</summary>
    public static ServiceBusOptions From(IConfiguration configuration)
    {
        var connection = configuration["ServiceBusConnection"]?.Trim();
        var address = string.IsNullOrEmpty(connection) ? null : ServiceBusAddress.Parse(connection);
        var topic = configuration["ServiceBusTopic"]?.Trim();
        if (string.IsNullOrEmpty(topic))
            topic = address?.EntityPath ?? DefaultTopic;
        var tuning = configuration.GetSection("ServiceBus");
        return new ServiceBusOptions
        {
            Address = address,
            Topic = topic,
            CallResultsQueue = configuration["CallResultsQueue"]?.Trim() ?? "",
            MaxUnsettled = Positive(tuning, "MaxUnsettled", 500),
            SendTimeout = TimeSpan.FromSeconds(Positive(tuning, "SendTimeoutSeconds", 30)),
            ReceiveCredit = Positive(tuning, "ReceiveCredit", 16),
            ReconnectMinDelay = TimeSpan.FromMilliseconds(Positive(tuning, "ReconnectMinDelayMs", 1000)),
            ReconnectMaxDelay = TimeSpan.FromSeconds(Positive(tuning, "ReconnectMaxDelaySeconds", 30)),
            HandlerRetryDelay = TimeSpan.FromMilliseconds(Positive(tuning, "HandlerRetryDelayMs", 1000)),
            TokenLifetime = TimeSpan.FromSeconds(Positive(tuning, "TokenLifetimeSeconds", 3600)),
        };
    }

    private static int Positive(IConfiguration section, string key, int fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value <= 0)
            throw new FormatException($"ServiceBus:{key} must be a positive whole number, not '{text}'.");
        return value;
    }
}
