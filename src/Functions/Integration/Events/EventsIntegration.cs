using Campaigns.Functions.Integration.ServiceBus;
using Campaigns.Functions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Campaigns.Functions.Integration.Events;

/// <summary>Registers the outbox signal, the relay and the event streams.</summary>
internal static class EventsIntegration
{
    public static IServiceCollection AddIntegrationEvents(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var options = new EventsOptions();
            sp.GetRequiredService<IConfiguration>().GetSection("Events").Bind(options);
            return options;
        });
        services.AddSingleton(sp => new OutboxIndex(sp.GetRequiredService<CampaignTables>(), sp.GetRequiredService<TimeProvider>())
        {
            ReuseSeconds = sp.GetRequiredService<EventsOptions>().MarkReuseSeconds,
        });
        services.AddSingleton<EventQueue>();
        services.AddSingleton<IOutboxSignal>(sp => sp.GetRequiredService<EventQueue>());
        services.AddSingleton<EventStreamStore>();
        services.AddSingleton<RelayMetrics>();
        services.AddSingleton<BrokerDelivery>();
        services.AddSingleton<EventRelay>();
        services.AddSingleton<IWebhookFanOut, WebhookFanOut>();
        services.TryAddSingleton<IEventPublisher, NoBroker>();
        return services;
    }
}
