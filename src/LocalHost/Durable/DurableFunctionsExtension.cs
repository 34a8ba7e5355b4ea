using System.Text.Json;
using System.Text.Json.Nodes;
using Campaigns.LocalHost.Grpc.Messages;
using Campaigns.LocalHost.Invocation;
using Campaigns.LocalHost.Triggers;
using Campaigns.LocalHost.Worker;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Options;

namespace Campaigns.LocalHost.Durable;

/// <summary>
/// Durable Functions in the local host, as the extension serves an isolated worker in the Functions host:
/// <list type="bullet">
/// <item>orchestrator and activity functions run from the task hub's queues (<see cref="DurableTaskHub"/>);</item>
/// <item>a <c>[DurableClient]</c> parameter gets the JSON the worker's converter expects, naming the sidecar
/// (<c>TaskHubSidecarService</c>) on the host's gRPC port, where <see cref="TaskHubGrpcServer"/> serves the client API
/// (start, raise event, terminate, query, purge) on the same Azure Storage provider (API only: the host's own
/// dispatchers run the work items, not a worker stream), starting instances as the extension does
/// (<see cref="SidecarClient"/>).</item>
/// </list>
/// The hub is created on first use, so an app without Durable functions never needs it. Entities are not served.
/// </summary>
public sealed class DurableFunctionsExtension : IFunctionsHostExtension
{
    /// <summary>The largest gRPC message the worker's client may send or receive (the extension's default, 4 MB, is too small for big histories).</summary>
    public const int MaxGrpcMessageSizeInBytes = int.MaxValue;

    private FunctionsHost? _host;
    private ILoggerFactory? _loggers;
    private readonly Lazy<DurableTaskHub> _hub;

    public DurableFunctionsExtension() =>
        _hub = new Lazy<DurableTaskHub>(() => new DurableTaskHub(Host.Settings, Host.HostJson, Host.HostId,
            _loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, Host.StorageRequests));

    private FunctionsHost Host => _host ?? throw new InvalidOperationException("The Durable Functions extension is not attached to a host yet.");

    /// <summary>The app's task hub (created on first use).</summary>
    public DurableTaskHub Hub => _hub.Value;

    public void ConfigureServices(IServiceCollection services, FunctionsHost host)
    {
        _host = host;
        services.AddSingleton(sp =>
        {
            _loggers ??= sp.GetRequiredService<ILoggerFactory>();
            return new TaskHubGrpcServer(sp.GetRequiredService<IHostApplicationLifetime>(), _loggers, Hub.Service, new SidecarClient(Hub.Service),
                Options.Create(new TaskHubGrpcServerOptions { Mode = TaskHubGrpcServerMode.ApiServerOnly }));
        });
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        _loggers ??= endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>();
        endpoints.MapGrpcService<TaskHubGrpcServer>();
    }

    public IEnumerable<ITriggerListenerProvider> TriggerProviders => [new DurableTriggerProvider(this)];

    public TypedData? BindInput(FunctionDescriptor function, JsonObject binding)
    {
        if (!string.Equals(binding["type"]?.GetValue<string>(), DurableBindings.DurableClient, StringComparison.OrdinalIgnoreCase))
            return null;
        var client = new JsonObject
        {
            ["taskHubName"] = binding["taskHub"]?.GetValue<string>() is { Length: > 0 } hub ? Host.Settings.Resolve(hub) : Hub.HubName,
            ["connectionName"] = binding["connectionName"]?.GetValue<string>() ?? "",
            ["rpcBaseUrl"] = Host.GrpcAddress.ToString(),
            ["httpBaseUrl"] = new Uri(Host.BaseAddress, "runtime/webhooks/durabletask").ToString(),
            ["requiredQueryStringParameters"] = "",
            ["maxGrpcMessageSizeInBytes"] = MaxGrpcMessageSizeInBytes,
        };
        return TypedDataValues.String(client.ToJsonString(JsonSerializerOptions.Default));
    }

    /// <summary>One listener per orchestrator or activity function; they share the hub's one run.</summary>
    private sealed class DurableTriggerProvider(DurableFunctionsExtension extension) : ITriggerListenerProvider
    {
        public ITriggerListener? TryCreate(FunctionDescriptor function, TriggerContext context)
        {
            // Entity triggers are not served: the host logs such a function as having no listener.
            if (!function.IsTrigger(DurableBindings.OrchestrationTrigger) && !function.IsTrigger(DurableBindings.ActivityTrigger))
                return null;
            extension.Hub.Register(function);
            return new HubListener(function.Name, extension.Hub, context.Dispatcher);
        }
    }

    private sealed class HubListener(string functionName, DurableTaskHub hub, InvocationDispatcher dispatcher) : ITriggerListener
    {
        public string FunctionName => functionName;

        public Task RunAsync(CancellationToken stoppingToken) => hub.RunAsync(dispatcher, stoppingToken);
    }
}
