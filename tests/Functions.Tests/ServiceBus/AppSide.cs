using Microsoft.Extensions.Configuration;
using Azure.Messaging.ServiceBus;
using Campaigns.Functions.Integration.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// The app's Service Bus classes outside the app, on a client of their own: its settings read from configuration as
/// the app reads them (short timeouts and back-off, so failures show in seconds), its publisher and receiver.
/// </summary>
internal sealed class AppSide : IAsyncDisposable
{
    public AppSide(string connectionString, string topic = "unused", string callResultsQueue = "", IDictionary<string, string?>? tuning = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ServiceBusConnection"] = connectionString,
            ["ServiceBusTopic"] = topic,
            ["CallResultsQueue"] = callResultsQueue,
            ["ServiceBus:TryTimeoutSeconds"] = "5",
            ["ServiceBus:MaxRetries"] = "1",
            ["ServiceBus:HandlerRetryDelayMs"] = "100",
            ["ServiceBus:HandlerRetryMaxDelaySeconds"] = "1",
        };
        foreach (var (key, value) in tuning ?? new Dictionary<string, string?>())
            settings[key] = value;
        Options = ServiceBusOptions.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        Client = Options.Connection!.CreateClient(Options.ClientOptions());
        Publisher = new ServiceBusEventPublisher(Options, () => Client, NullLogger<ServiceBusEventPublisher>.Instance);
    }

    public ServiceBusOptions Options { get; }

    public ServiceBusClient Client { get; }

    public ServiceBusEventPublisher Publisher { get; }

    /// <summary>A receiver handing results to <paramref name="inbox"/> (none: the receiver has no inbox).</summary>
    public CallResultsReceiver Receiver(ICallResultInbox? inbox)
    {
        var services = new ServiceCollection().AddSingleton(Client);
        if (inbox is not null)
            services.AddSingleton(inbox);
        return new CallResultsReceiver(Options, services.BuildServiceProvider(), NullLogger<CallResultsReceiver>.Instance);
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
