using System.Text.Json;
using Azure.Data.Tables;
using Campaigns.Functions.Campaigns;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Integration.ServiceBus;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Network;
using Campaigns.Functions.Retention;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Uploads;
using Campaigns.Functions.VoiceAgents;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Campaigns.Functions.Hosting;

/// <summary>
/// Every service of the app, registered once: the worker's container (<see cref="CampaignsWorker"/>) and the API
/// description's (<see cref="Http.ApiDescription"/>, which must know which handler parameters are services) both take
/// them from here.
/// </summary>
internal static class CampaignServices
{
    public static IServiceCollection AddCampaigns(this IServiceCollection services)
    {
        services.AddSingleton(sp => StorageOptionsFrom(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StorageRequestCounter>();
        services.AddSingleton(sp => CampaignTables.CreateService(sp.GetRequiredService<StorageOptions>(), sp.GetRequiredService<StorageRequestCounter>()));
        services.AddSingleton(sp => new CampaignTables(sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<StorageOptions>()));
        services.AddSingleton(sp =>
        {
            // QueuePrefix is a flat app setting: the functions' queue and blob bindings name it as %QueuePrefix%.
            var engine = Bind<EngineOptions>(sp, "Engine");
            engine.QueuePrefix = sp.GetRequiredService<IConfiguration>()["QueuePrefix"] ?? engine.QueuePrefix;
            return engine;
        });
        services.AddSingleton(sp => Bind<SimulatorOptions>(sp, "Simulator"));
        services.AddSingleton(sp => Bind<HttpVoiceAgentOptions>(sp, "VoiceAgent"));
        services.AddSingleton<CampaignStore>();
        services.AddSingleton<ShardStore>();
        services.AddSingleton<AccountStore>();
        services.AddSingleton<EngineQueues>();
        services.AddSingleton<OutcomeRecorder>();
        services.AddSingleton<ICallResultInbox, CallResultInbox>();
        services.AddSingleton<RecentRows>();
        services.AddSingleton<Dispatcher>();
        services.AddSingleton<AgentPoolStore>();
        services.AddSingleton<AgentPools>();
        services.AddSingleton<CampaignEngine>();
        services.AddSingleton<CampaignInstances>();
        services.AddSingleton<EngineMetrics>();
        services.AddMetrics();
        services.AddSingleton<CampaignTelemetry>(); // the metrics; TelemetrySetup decides where they go
        services.AddSingleton<SimulatedVoiceAgent>();
        services.AddEgressGuard();
        services.AddHttpClient<HttpVoiceAgent>().UseEgressGuard();
        services.AddSingleton<IVoiceAgent>(sp =>
            string.Equals(sp.GetRequiredService<HttpVoiceAgentOptions>().Kind, "http", StringComparison.OrdinalIgnoreCase)
                ? sp.GetRequiredService<HttpVoiceAgent>()
                : sp.GetRequiredService<SimulatedVoiceAgent>());
        services.AddSingleton<ContactStore>();
        services.AddSingleton<CampaignCommands>();
        services.AddSingleton<SchedulerCommands>();
        services.AddSingleton<ProspectCommands>();
        services.AddSingleton<ListStore>();
        services.AddSingleton<PhoneIndex>();
        services.AddSingleton(sp => Bind<UploadOptions>(sp, "Uploads"));
        services.AddSingleton<UploadStore>();
        services.AddSingleton<UploadBlobs>();
        services.AddSingleton<UploadCommands>();
        services.AddSingleton<UploadSplitter>();
        services.AddSingleton<BatchImporter>();
        services.TryAddSingleton<UploadFaults>();
        services.AddSingleton<ApiKeys>();
        services.AddServiceBusIntegration();
        services.AddWebhooks();
        services.AddRetention();
        services.AddIntegrationEvents(); // after both sides: its defaults apply only where they registered nothing
        services.AddMemoryCache();
        services.AddProblemDetails();
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });
        return services;
    }

    private static T Bind<T>(IServiceProvider services, string section) where T : new()
    {
        var options = new T();
        services.GetRequiredService<IConfiguration>().GetSection(section).Bind(options);
        return options;
    }

    private static StorageOptions StorageOptionsFrom(IConfiguration configuration)
    {
        var storage = new StorageOptions();
        configuration.GetSection("Storage").Bind(storage);
        storage.Connection = StorageConnection.From(configuration.GetSection("AzureWebJobsStorage"));
        return storage;
    }
}
