using Azure.Messaging.ServiceBus;
using Campaigns.Testing.ServiceBus;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// The Service Bus the tests talk to through the unchanged SDK. <see cref="Broker"/> is the test broker
/// (tests/ServiceBusTestBroker) in a process of its own, one for the test run, started at first use with every entity
/// below; tests that stop and start it run in <see cref="BrokerRestartCollection"/>. <see cref="Namespace"/> is a real
/// Service Bus namespace when <c>CAMPAIGNS_TEST_SERVICEBUS</c> holds its connection string (the README lists the
/// entities to create there); the tests of it are skipped otherwise.
/// Each test class has entities of its own, so that one class's receiver never settles another's messages.
/// </summary>
internal sealed class TestServiceBus
{
    /// <summary>Every topic has one subscription, <see cref="Subscription"/>, which the tests read.</summary>
    public const string Subscription = "tests";

    /// <summary>Deliveries of a call result before Service Bus dead-letters it (the test queues are declared so).</summary>
    public const int MaxDeliveryCount = 3;

    /// <summary>The app's events, read by the app-level tests (also on a real namespace).</summary>
    public const string AppTopic = "events-app";

    /// <summary>Call results the app's receiver takes (also on a real namespace).</summary>
    public const string AppResultsQueue = "results-app";

    /// <summary>Topics and queues of the broker-only tests.</summary>
    public const string PublisherTopic = "events-publisher", RestartTopic = "events-restart", AppRestartTopic = "events-app-restart";
    public const string ReceiverQueue = "results-receiver", RestartQueue = "results-restart";

    private static readonly string[] Topics = [AppTopic, PublisherTopic, RestartTopic, AppRestartTopic];
    private static readonly string[] Queues = [AppResultsQueue, ReceiverQueue, RestartQueue];

    private static readonly Lazy<TestServiceBus> SharedBroker = new(StartBroker);
    private readonly ServiceBusTestBrokerProcess? _process;

    private TestServiceBus(string connectionString, ServiceBusTestBrokerProcess? process)
    {
        ConnectionString = connectionString;
        _process = process;
        Client = new ServiceBusClient(connectionString, ClientOptions());
    }

    /// <summary>The test broker of this run.</summary>
    public static TestServiceBus Broker => SharedBroker.Value;

    /// <summary>The connection string of a real namespace, or null (its tests are skipped).</summary>
    public static string? NamespaceConnectionString =>
        Environment.GetEnvironmentVariable("CAMPAIGNS_TEST_SERVICEBUS") is { Length: > 0 } value ? value : null;

    /// <summary>The real namespace of <c>CAMPAIGNS_TEST_SERVICEBUS</c>.</summary>
    public static TestServiceBus Namespace => SharedNamespace.Value;

    private static readonly Lazy<TestServiceBus> SharedNamespace = new(() => new TestServiceBus(
        NamespaceConnectionString ?? throw new InvalidOperationException("CAMPAIGNS_TEST_SERVICEBUS is not set."), null));

    public string ConnectionString { get; }

    /// <summary>The tests' own client (sending results, reading topics), short retries.</summary>
    public ServiceBusClient Client { get; }

    /// <summary>Closes every connection and stops listening (the test broker only); messages are kept.</summary>
    public Task StopAsync() => (_process ?? throw new InvalidOperationException("Only the test broker can be stopped.")).StopAsync();

    public Task StartAsync() => (_process ?? throw new InvalidOperationException("Only the test broker can be started.")).StartAsync();

    public static ServiceBusClientOptions ClientOptions() => new()
    {
        RetryOptions = new ServiceBusRetryOptions { Mode = ServiceBusRetryMode.Fixed, MaxRetries = 3, Delay = TimeSpan.FromMilliseconds(200), TryTimeout = TimeSpan.FromSeconds(10) },
    };

    /// <summary>
    /// Reads <paramref name="topic"/>'s subscription until <paramref name="distinct"/> distinct message ids that
    /// <paramref name="mine"/> accepts came (others are completed and skipped: on a real namespace earlier runs may
    /// have left some); fails after <paramref name="timeout"/>. Returns every one of them, redeliveries included.
    /// </summary>
    public async Task<List<ServiceBusReceivedMessage>> ReceiveAsync(string topic, Func<ServiceBusReceivedMessage, bool> mine, int distinct, TimeSpan timeout)
    {
        await using var receiver = Client.CreateReceiver(topic, Subscription, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var deadline = DateTime.UtcNow + timeout;
        var found = new List<ServiceBusReceivedMessage>();
        while (found.Select(m => m.MessageId).Distinct().Count() < distinct)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                Assert.Fail($"Only {found.Select(m => m.MessageId).Distinct().Count()} of {distinct} expected message(s) reached '{topic}' within {timeout}.");
            var batch = await receiver.ReceiveMessagesAsync(500, left < TimeSpan.FromSeconds(2) ? left : TimeSpan.FromSeconds(2));
            found.AddRange(batch.Where(mine));
        }

        return found;
    }

    /// <summary>Whatever of <paramref name="mine"/> is on <paramref name="topic"/>'s subscription now (waiting at most <paramref name="wait"/> for the first).</summary>
    public async Task<List<ServiceBusReceivedMessage>> DrainAsync(string topic, Func<ServiceBusReceivedMessage, bool> mine, TimeSpan wait)
    {
        await using var receiver = Client.CreateReceiver(topic, Subscription, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var found = new List<ServiceBusReceivedMessage>();
        while ((await receiver.ReceiveMessagesAsync(500, wait)) is { Count: > 0 } batch)
            found.AddRange(batch.Where(mine));
        return found;
    }

    public async Task SendAsync(string queue, params ServiceBusMessage[] messages)
    {
        await using var sender = Client.CreateSender(queue);
        await sender.SendMessagesAsync(messages);
    }

    /// <summary>The dead-letter queue of <paramref name="queue"/>: up to <paramref name="count"/> of <paramref name="mine"/>, waiting at most <paramref name="timeout"/>.</summary>
    public async Task<List<ServiceBusReceivedMessage>> DeadLettersAsync(string queue, Func<ServiceBusReceivedMessage, bool> mine, int count, TimeSpan timeout)
    {
        await using var receiver = Client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter, ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var deadline = DateTime.UtcNow + timeout;
        var found = new List<ServiceBusReceivedMessage>();
        while (found.Count < count && deadline - DateTime.UtcNow is { } left && left > TimeSpan.Zero)
            found.AddRange((await receiver.ReceiveMessagesAsync(100, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1))).Where(mine));
        return found;
    }

    private static TestServiceBus StartBroker()
    {
        var arguments = new List<string> { "--lock-duration", "5" };
        foreach (var topic in Topics)
            arguments.AddRange(["--topic", $"{topic}:{Subscription}", "--duplicate-detection", topic]);
        foreach (var queue in Queues)
            arguments.AddRange(["--queue", $"{queue}:{MaxDeliveryCount}"]);
        var process = ServiceBusTestBrokerProcess.StartAsync([.. arguments]).GetAwaiter().GetResult();
        // One broker for the run: it ends with the test process.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => process.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return new TestServiceBus(process.ConnectionString, process);
    }
}

/// <summary>Tests that stop and start the test broker: nothing else may use it meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerRestartCollection
{
    public const string Name = "broker restarts";
}

/// <summary>A test of the real namespace in <c>CAMPAIGNS_TEST_SERVICEBUS</c>; skipped when it is not set.</summary>
public sealed class NamespaceFactAttribute : FactAttribute
{
    public NamespaceFactAttribute()
    {
        if (TestServiceBus.NamespaceConnectionString is null)
            Skip = "CAMPAIGNS_TEST_SERVICEBUS is not set (a Service Bus connection string; see the README, \"Service Bus\").";
    }
}
