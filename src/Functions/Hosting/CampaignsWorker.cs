using Campaigns.Functions.Engine;
using Campaigns.Functions.Http;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Uploads;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

namespace Campaigns.Functions.Hosting;

/// <summary>
/// The composition root of the isolated worker: the Functions host (Azure's, <c>func start</c>, or src/LocalHost)
/// starts this process with its gRPC address on the command line; HTTP reaches the functions through the ASP.NET Core
/// integration. Tests build the same host in their own process (with a fake clock) through <see cref="Build"/>.
/// </summary>
public static class CampaignsWorker
{
    /// <summary>The worker's host, with <paramref name="configure"/> applied last (tests replace the clock or add settings).</summary>
    public static IHost Build(string[] args, Action<FunctionsApplicationBuilder>? configure = null)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<HttpProblemsMiddleware>();
        builder.Services.AddCampaigns();
        builder.Services.AddCampaignTelemetry(builder.Configuration);
        builder.Services.AddSingleton(sp => new ApiDescription(sp.GetRequiredService<IConfiguration>()));
        // The worker's own Kestrel takes what the host forwards: CSV uploads up to Uploads__MaxBytes (100 MiB) and JSON
        // bodies up to 32 MiB, checked by the handlers themselves (a 413 problem beyond).
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        // First of the hosted services (they start in order): storage is ready before the worker takes invocations.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, StorageInitializer>());
        configure?.Invoke(builder);
        return builder.Build();
    }
}

/// <summary>
/// Creates the tables, queues and containers the app uses, and the dev account when <c>CAMPAIGNS_DEV_API_KEY</c> is set,
/// before the worker takes its first invocation (hosted services start in order, this one first).
/// </summary>
internal sealed class StorageInitializer(IServiceProvider services, IConfiguration configuration) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await services.GetRequiredService<CampaignTables>().EnsureCreatedAsync(cancellationToken);
        await services.GetRequiredService<EngineQueues>().EnsureCreatedAsync(cancellationToken);
        await services.GetRequiredService<EventQueue>().EnsureCreatedAsync(cancellationToken);
        await services.GetRequiredService<UploadBlobs>().EnsureCreatedAsync(cancellationToken);
        if (configuration["CAMPAIGNS_DEV_API_KEY"] is { Length: > 0 } devKey)
        {
            var time = services.GetRequiredService<TimeProvider>();
            await services.GetRequiredService<ApiKeys>().RegisterAsync("acct_dev", "Development account", devKey, time.GetUtcNow(), cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
