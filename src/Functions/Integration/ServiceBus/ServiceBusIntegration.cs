using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Azure;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// Registers the Service Bus side: one <see cref="ServiceBusClient"/> through Microsoft.Extensions.Azure's client
/// factory (created at first use, disposed with the worker's container on shutdown, the SDK's event-source logs
/// forwarded to the app's logging), the event publisher and the call-results receiver.
/// </summary>
internal static class ServiceBusIntegration
{
    public static IServiceCollection AddServiceBusIntegration(this IServiceCollection services)
    {
        services.AddSingleton(sp => ServiceBusOptions.From(sp.GetRequiredService<IConfiguration>()));
        // The client builds its own credential when it needs one (a namespace connection: ServiceBusConnection.Credential).
        services.AddAzureClients(azure => azure.AddClient<ServiceBusClient, ServiceBusClientOptions>((_, sp) =>
        {
            var options = sp.GetRequiredService<ServiceBusOptions>();
            var connection = options.Connection
                ?? throw new InvalidOperationException("No ServiceBusConnection is configured: there is no Service Bus client.");
            return connection.CreateClient(options.ClientOptions());
        }));
        services.AddSingleton<IEventPublisher>(sp => new ServiceBusEventPublisher(
            sp.GetRequiredService<ServiceBusOptions>(), sp.GetRequiredService<ServiceBusClient>, sp.GetRequiredService<ILogger<ServiceBusEventPublisher>>()));
        services.AddHostedService(sp => new CallResultsReceiver(
            sp.GetRequiredService<ServiceBusOptions>(), sp, sp.GetRequiredService<ILogger<CallResultsReceiver>>()));
        return services;
    }
}
