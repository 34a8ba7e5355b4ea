namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>Registers the Service Bus (AMQP 1.0) side: the event publisher and the call-results listener.</summary>
internal static class ServiceBusIntegration
{
    public static IServiceCollection AddServiceBusIntegration(this IServiceCollection services)
    {
        // Filled in by the AMQP publisher / listener work.
        return services;
    }
}
