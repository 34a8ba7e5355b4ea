namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>Registers the Service Bus (AMQP 1.0) side: the event publisher and the call-results listener.</summary>
internal static class ServiceBusIntegration
{
    public static IServiceCollection AddServiceBusIntegration(this IServiceCollection services)
    {
        services.AddSingleton(sp => ServiceBusOptions.From(sp.GetRequiredService<IConfiguration>()));
        // Wall time, not the app's TimeProvider: SAS token expiry and reconnect back-off are judged by the broker's
        // real clock, and tests that fake the app's clock must not stall the broker connection.
        services.AddSingleton(sp => new AmqpEventPublisher(
            sp.GetRequiredService<ServiceBusOptions>(), TimeProvider.System, sp.GetRequiredService<ILogger<AmqpEventPublisher>>()));
        services.AddSingleton<IEventPublisher>(sp => sp.GetRequiredService<AmqpEventPublisher>());
        services.AddHostedService(sp => new CallResultsListener(
            sp.GetRequiredService<ServiceBusOptions>(), sp, TimeProvider.System, sp.GetRequiredService<ILogger<CallResultsListener>>()));
        return services;
    }
}
