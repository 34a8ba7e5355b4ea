using System.Text.Json;
using Azure.Data.Tables;
using Campaigns.Functions.Campaigns;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Http.ApiV;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Integration.ServiceBus;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Triggers;
using Campaigns.Functions.VoiceAgents;
using Campaigns.Functions.Http;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Http.V1;
using Campaigns.Functions.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Http.Json;
using Scalar.AspNetCore;

namespace Campaigns.Functions.Hosting;

/// <summary>
/// The composition root. The same app serves three ways: under the Azure Functions host as a custom handler
/// (port from <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>), from <c>./run.sh</c> (port from <c>PORT</c>, default 7071), and
/// in tests (a free port).
/// </summary>
public static class CampaignsApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        ConfigureUrls(builder);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = JsonBody.MaxBytes);

        var services = builder.Services;
        services.AddSingleton(sp => StorageOptionsFrom(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<StorageRequestCounter>();
        services.AddSingleton(sp => CampaignTables.CreateService(sp.GetRequiredService<StorageOptions>(), sp.GetRequiredService<StorageRequestCounter>()));
        services.AddSingleton(sp => new CampaignTables(sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<StorageOptions>()));
        services.AddSingleton(sp => Bind<EngineOptions>(sp, "Engine"));
        services.AddSingleton(sp => Bind<SimulatorOptions>(sp, "Simulator"));
        services.AddSingleton(sp => Bind<HttpVoiceAgentOptions>(sp, "VoiceAgent"));
        services.AddSingleton(sp => Bind<LocalTriggerHostOptions>(sp, "LocalTriggerHost"));
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
        services.AddSingleton<TriggerSecret>();
        services.AddSingleton<SimulatedVoiceAgent>();
        services.AddHttpClient<HttpVoiceAgent>();
        services.AddSingleton<IVoiceAgent>(sp =>
            string.Equals(sp.GetRequiredService<HttpVoiceAgentOptions>().Kind, "http", StringComparison.OrdinalIgnoreCase)
                ? sp.GetRequiredService<HttpVoiceAgent>()
                : sp.GetRequiredService<SimulatedVoiceAgent>());
        services.AddHostedService<LocalTriggerHost>(); // stands down by itself under the Functions host or when disabled
        services.AddSingleton<ContactStore>();
        services.AddSingleton<CampaignCommands>();
        services.AddSingleton<SchedulerCommands>();
        services.AddSingleton<ProspectCommands>();
        services.AddSingleton<ListStore>();
        services.AddSingleton<PhoneIndex>();
        services.AddSingleton(sp => Bind<Uploads.UploadOptions>(sp, "Uploads"));
        services.AddSingleton<UploadStore>();
        services.AddSingleton<Uploads.UploadBlobs>();
        services.AddSingleton<Uploads.UploadCommands>();
        services.AddSingleton<Uploads.UploadSplitter>();
        services.AddSingleton<Uploads.BatchImporter>();
        services.TryAddSingleton<Uploads.UploadFaults>();
        services.AddSingleton<ApiKeys>();
        services.AddServiceBusIntegration();
        services.AddWebhooks();
        services.AddIntegrationEvents(); // after both sides: its defaults apply only where they registered nothing
        services.AddMemoryCache();
        services.AddProblemDetails();
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Campaigns";
                document.Info.Description =
                    "Outbound-call campaign scheduler for AI voice agents. Authenticate with 'Authorization: Bearer <API key>' " +
                    "or the same key as the access_token cookie. Errors are RFC 9457 problem+json.";
                return Task.CompletedTask;
            });
        });

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler(errorApp => errorApp.Run(WriteUnhandledProblemAsync));
        app.UseStatusCodePages();
        app.UseMiddleware<StorageUnavailableMiddleware>(); // storage overload: 503, not the handler's 500

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/scalar", options => options.WithTitle("Campaigns API reference"));
        app.MapGet("/health", () => Results.Ok(new { status = "ok" })).ExcludeFromDescription();
        app.MapCampaignsV1();
        app.MapSchedulerCampaigns();
        app.MapProspects();
        app.MapUploads();
        app.MapCallResults();
        app.MapAccount();
        app.MapTriggers();
        app.MapWebhooks();
        return app;
    }

    /// <summary>Creates the tables and, when <c>CAMPAIGNS_DEV_API_KEY</c> is set, the dev account with that key.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        await app.Services.GetRequiredService<CampaignTables>().EnsureCreatedAsync(cancellationToken);
        await app.Services.GetRequiredService<EngineQueues>().EnsureCreatedAsync(cancellationToken);
        await app.Services.GetRequiredService<EventQueue>().EnsureCreatedAsync(cancellationToken);
        await app.Services.GetRequiredService<Uploads.UploadBlobs>().EnsureCreatedAsync(cancellationToken);
        if (app.Configuration["CAMPAIGNS_DEV_API_KEY"] is { Length: > 0 } devKey)
        {
            var time = app.Services.GetRequiredService<TimeProvider>();
            await app.Services.GetRequiredService<ApiKeys>().RegisterAsync("acct_dev", "Development account", devKey, time.GetUtcNow(), cancellationToken);
        }
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
        if (configuration["AzureWebJobsStorage"] is { Length: > 0 } connection)
            storage.ConnectionString = connection;
        return storage;
    }

    private static void ConfigureUrls(WebApplicationBuilder builder)
    {
        // Under the Functions host, the custom handler must listen where the host tells it to.
        if (builder.Configuration["FUNCTIONS_CUSTOMHANDLER_PORT"] is { Length: > 0 } handlerPort)
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{handlerPort}");
            return;
        }
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            var port = builder.Configuration["PORT"] is { Length: > 0 } p ? p : "7071";
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }
    }

    /// <summary>The last line of defence: a 500 problem without internals (they go to the log, never the client).</summary>
    private static async Task WriteUnhandledProblemAsync(HttpContext http)
    {
        var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        var status = error is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
        http.Response.StatusCode = status;
        var detail = status == StatusCodes.Status413PayloadTooLarge
            ? $"Request bodies are limited to {JsonBody.MaxBytes} bytes."
            : status < 500 ? "The request could not be read." : "An unexpected error occurred; it has been logged.";
        await Results.Problem(statusCode: status, detail: detail).ExecuteAsync(http);
    }
}
