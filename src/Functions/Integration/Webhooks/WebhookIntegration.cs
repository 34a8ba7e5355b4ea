using Campaigns.Functions.Http.V1;

namespace Campaigns.Functions.Integration.Webhooks;

/// <summary>Settings of webhooks (section <c>Webhooks</c>).</summary>
internal sealed class WebhookOptions
{
    /// <summary>
    /// Accept <c>http://</c> webhook URLs for any host (<c>Webhooks__AllowHttp=true</c>); default false, when only
    /// <c>https://</c> URLs and <c>http://</c> to a loopback host (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>)
    /// are accepted. Meant for test rigs and private networks: over plain http the events can be read on the way.
    /// </summary>
    public bool AllowHttp { get; set; }
}

/// <summary>Registers webhook subscriptions, signing, sending and the delivery log, and maps <c>/v1/webhooks</c>.</summary>
internal static class WebhookIntegration
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var options = new WebhookOptions();
            sp.GetRequiredService<IConfiguration>().GetSection("Webhooks").Bind(options);
            return options;
        });
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookDeliveryLog>();
        WebhookSender.Configure(services);
        services.AddSingleton<WebhookSender>();
        return services;
    }

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapWebhookEndpoints();
        return app;
    }
}
