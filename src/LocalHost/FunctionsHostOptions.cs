using Campaigns.LocalHost.Triggers;
using Campaigns.LocalHost.Worker;

namespace Campaigns.LocalHost;

/// <summary>How to run a <see cref="FunctionsHost"/>. Only <see cref="AppDirectory"/> is required.</summary>
public sealed class FunctionsHostOptions
{
    /// <summary>The worker app's build output: worker.config.json, the app's dll, host.json, local.settings.json.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>The HTTP port for the app's HTTP functions (7071, as <c>func start</c>); 0 picks a free port.</summary>
    public int Port { get; init; } = 7071;

    /// <summary>AzureWebJobsStorage for the host and the worker; when null, the app settings must name it.</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>host.json to read; by default the one in <see cref="AppDirectory"/>.</summary>
    public string? HostJsonPath { get; init; }

    /// <summary>App settings that win over the environment and local.settings.json (tests set queue names here).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether the host's own environment variables are app settings, as under <c>func start</c>.</summary>
    public bool IncludeEnvironment { get; init; } = true;

    /// <summary>The host id that names timer statuses and blob receipts; hosts of one app on one account share it.</summary>
    public string? HostId { get; init; }

    /// <summary>Starts the worker process by default; an <see cref="ExternalWorkerLauncher"/> waits for a test's worker.</summary>
    public IWorkerLauncher? WorkerLauncher { get; init; }

    /// <summary>What WorkerTerminate grants the worker, and the longest drain of in-flight invocations on stop.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between two scans of a blob trigger's container.</summary>
    public TimeSpan BlobScanInterval { get; init; } = TimeSpan.FromSeconds(2);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where logs go (the worker's too); console by default.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Counts the host's own storage requests (queue listeners, the Durable task hub); null: not counted.</summary>
    public StorageRequestTally? StorageRequests { get; init; }

    /// <summary>
    /// Additions to the host: more gRPC services, trigger types and input bindings. Durable Functions
    /// (<see cref="Durable.DurableFunctionsExtension"/>) is always added by the host, as the Functions host loads the
    /// extensions an app's build lists; it stays idle for an app without Durable functions.
    /// </summary>
    public IList<IFunctionsHostExtension> Extensions { get; init; } = [];
}

/// <summary>
/// An addition to the host. Durable Functions maps its TaskHubSidecarService on the gRPC endpoint
/// (<see cref="MapEndpoints"/>), drives orchestration and activity triggers (<see cref="TriggerProviders"/>) and binds
/// <c>durableClient</c> inputs (<see cref="BindInput"/>).
/// </summary>
public interface IFunctionsHostExtension
{
    /// <summary>Called before Kestrel starts; the host's settings, host.json and addresses are known by then.</summary>
    void ConfigureServices(IServiceCollection services, FunctionsHost host)
    {
    }

    /// <summary>Endpoints on the host's gRPC port (HTTP/2, loopback), beside FunctionRpc.</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }

    IEnumerable<ITriggerListenerProvider> TriggerProviders => [];

    /// <summary>The data of a function's non-trigger input binding of a type this extension serves, or null.</summary>
    Grpc.Messages.TypedData? BindInput(FunctionDescriptor function, System.Text.Json.Nodes.JsonObject binding) => null;
}
