using System.Diagnostics;
using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// A started broker with the entities a test declared, and an SDK client on it whose retries are short, so that a
/// failure shows in seconds rather than after the SDK's default minute of retrying.
/// </summary>
internal sealed class BrokerScope : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly List<ServiceBusClient> _clients = [];

    private BrokerScope(ServiceBusTestBroker broker)
    {
        Broker = broker;
        Client = NewClient();
    }

    public ServiceBusTestBroker Broker { get; }

    public ServiceBusClient Client { get; }

    public static BrokerScope Start(Action<ServiceBusTestBroker> declare)
    {
        var broker = new ServiceBusTestBroker();
        declare(broker);
        broker.Start();
        return new BrokerScope(broker);
    }

    public static ServiceBusClientOptions ClientOptions() => new()
    {
        RetryOptions = new ServiceBusRetryOptions
        {
            Mode = ServiceBusRetryMode.Fixed,
            MaxRetries = 3,
            Delay = TimeSpan.FromMilliseconds(200),
            TryTimeout = TimeSpan.FromSeconds(10),
        },
    };

    public ServiceBusClient NewClient(string? connectionString = null)
    {
        var client = new ServiceBusClient(connectionString ?? Broker.ConnectionString, ClientOptions());
        _clients.Add(client);
        return client;
    }

    public async Task SendAsync(string entity, params ServiceBusMessage[] messages)
    {
        await using var sender = Client.CreateSender(entity);
        foreach (var message in messages)
            await sender.SendMessageAsync(message);
    }

    public static ServiceBusMessage Message(string id, string body = "body") => new(BinaryData.FromString(body)) { MessageId = id };

    /// <summary>Receives exactly one message, failing the test if none comes within <see cref="Wait"/>.</summary>
    public static async Task<ServiceBusReceivedMessage> ReceiveOneAsync(ServiceBusReceiver receiver) =>
        await receiver.ReceiveMessageAsync(Wait) ?? throw new Xunit.Sdk.XunitException($"No message arrived on '{receiver.EntityPath}' within {Wait}.");

    /// <summary>Receives exactly <paramref name="count"/> messages in as few receives as they take, failing the test if they do not all come within <see cref="Wait"/>.</summary>
    public static async Task<List<ServiceBusReceivedMessage>> ReceiveAsync(ServiceBusReceiver receiver, int count)
    {
        var received = new List<ServiceBusReceivedMessage>();
        var deadline = DateTime.UtcNow + Wait;
        while (received.Count < count && DateTime.UtcNow < deadline)
            received.AddRange(await receiver.ReceiveMessagesAsync(count - received.Count, deadline - DateTime.UtcNow));
        return received.Count == count ? received
            : throw new Xunit.Sdk.XunitException($"{received.Count} of {count} messages arrived on '{receiver.EntityPath}' within {Wait}.");
    }

    /// <summary>Polls until <paramref name="condition"/> holds, for broker state that changes on its own (lock expiry).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > Wait)
                throw new Xunit.Sdk.XunitException($"Still not true after {Wait}: {what}.");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            await client.DisposeAsync();
        Broker.Dispose();
    }
}
