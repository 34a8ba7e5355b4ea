using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.Functions.Tests.ServiceBus;

namespace Campaigns.Functions.Tests.Events;

/// <summary>The app publishing its events to <paramref name="topic"/> of a Service Bus; zero-length calls, short broker back-off.</summary>
public class EventsApp(string connectionString, string topic) : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "0",
    ["Engine:MaxCallsInProgress"] = "5",
    ["Events:MaxDelaySeconds"] = "1",
    ["Events:BrokerRetryMaxSeconds"] = "2",
    ["ServiceBusConnection"] = connectionString,
    ["ServiceBusTopic"] = topic,
    ["ServiceBus:TryTimeoutSeconds"] = "5",
    ["ServiceBus:MaxRetries"] = "1",
})
{
    public string Topic { get; } = topic;
}

/// <summary>Calls last an hour unless their result comes; results come on <paramref name="queue"/> of a Service Bus.</summary>
public class ResultsApp(string connectionString, string queue) : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "3600",
    ["Engine:MaxCallsInProgress"] = "2",
    ["ServiceBusConnection"] = connectionString,
    ["CallResultsQueue"] = queue,
    ["ServiceBus:HandlerRetryDelayMs"] = "200",
})
{
    public string Queue { get; } = queue;
}

/// <summary>The events app on the test broker.</summary>
public sealed class BrokerEventsApp() : EventsApp(TestServiceBus.Broker.ConnectionString, TestServiceBus.AppTopic);

/// <summary>The events app on the test broker, on a topic of the restart tests.</summary>
public sealed class BrokerRestartEventsApp() : EventsApp(TestServiceBus.Broker.ConnectionString, TestServiceBus.AppRestartTopic);

/// <summary>The results app on the test broker.</summary>
public sealed class BrokerResultsApp() : ResultsApp(TestServiceBus.Broker.ConnectionString, TestServiceBus.AppResultsQueue);
