namespace Campaigns.Functions.Integration.Webhooks;

/// <summary>Registers webhook subscriptions, signing, sending and the delivery log, and maps <c>/v1/webhooks</c>.</summary>
internal static class WebhookIntegration
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        // Filled in by the webhook work.
        return services;
    }

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
