using Campaigns.LocalHost.Configuration;
using Campaigns.LocalHost.Invocation;
using Campaigns.LocalHost.Worker;
using DurableTask.AzureStorage;
using DurableTask.Core;

namespace Campaigns.LocalHost.Durable;

/// <summary>
/// The task hub of the app, as the Durable Functions extension runs it inside the Functions host: the Azure Storage
/// provider on the hub's connection (the same provider, tables, queues and blobs as on Azure), and DurableTask.Core's
/// <see cref="TaskHubWorker"/> whose orchestration and activity dispatchers hand each work item to the isolated worker
/// as an invocation (<see cref="WorkItemInvoker"/>). The worker's <c>DurableTaskClient</c> reaches the same service
/// through the sidecar gRPC endpoint (<see cref="DurableFunctionsExtension"/>).
/// </summary>
public sealed partial class DurableTaskHub
{
    private readonly DurableTaskSettings _settings;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly Dictionary<string, FunctionDescriptor> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FunctionDescriptor> _activities = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();
    private Task? _running;

    public DurableTaskHub(AppSettings settings, HostJson hostJson, string hostId, ILoggerFactory loggers, StorageRequestTally? storageRequests = null)
    {
        var connection = settings.Connection(hostJson.DurableTask.ConnectionName);
        _settings = hostJson.DurableTask with { HubName = settings.Resolve(hostJson.DurableTask.HubName) };
        _loggers = loggers;
        _log = loggers.CreateLogger<DurableTaskHub>();
        Service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = _settings.HubName,
            StorageAccountClientProvider = storageRequests is null
                ? new StorageAccountClientProvider(connection)
                : new StorageAccountClientProvider( // the same clients, with the host's tally in their pipelines
                    StorageServiceClientProvider.ForBlob(connection, storageRequests.Apply(new Azure.Storage.Blobs.BlobClientOptions())),
                    StorageServiceClientProvider.ForQueue(connection, storageRequests.Apply(new Azure.Storage.Queues.QueueClientOptions())),
                    StorageServiceClientProvider.ForTable(connection, storageRequests.Apply(new Azure.Data.Tables.TableClientOptions()))),
            PartitionCount = _settings.PartitionCount,
            MaxQueuePollingInterval = _settings.MaxQueuePollingInterval,
            ControlQueueBatchSize = _settings.ControlQueueBatchSize,
            ControlQueueVisibilityTimeout = _settings.ControlQueueVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = _settings.WorkItemQueueVisibilityTimeout,
            MaxConcurrentTaskOrchestrationWorkItems = _settings.MaxConcurrentOrchestratorFunctions,
            MaxConcurrentTaskActivityWorkItems = _settings.MaxConcurrentActivityFunctions,
            WorkerId = $"{hostId}:{Environment.MachineName}:{Environment.ProcessId}",
            AppName = hostId,
            LoggerFactory = loggers,
            // As the extension configures it: a start refused by the dedupe rule throws (the client sees AlreadyExists)
            // instead of being dropped silently.
            ThrowExceptionOnInvalidDedupeStatus = true,
        });
    }

    /// <summary>The provider: the orchestration service for the dispatchers, and the client for the sidecar's API.</summary>
    public AzureStorageOrchestrationService Service { get; }

    public string HubName => _settings.HubName;

    /// <summary>Makes a worker function an orchestrator or an activity of this hub, by its orchestration or activity name.</summary>
    public void Register(FunctionDescriptor function)
    {
        lock (_gate)
        {
            if (function.IsTrigger(DurableBindings.OrchestrationTrigger))
                _orchestrators[function.Property("orchestration") is { Length: > 0 } name ? name : function.Name] = function;
            else if (function.IsTrigger(DurableBindings.ActivityTrigger))
                _activities[function.Property("activity") is { Length: > 0 } name ? name : function.Name] = function;
        }
    }

    /// <summary>
    /// Creates the hub's storage if needed and runs its dispatchers until <paramref name="stoppingToken"/> is cancelled;
    /// every orchestrator and activity listener awaits the same run.
    /// </summary>
    public Task RunAsync(InvocationDispatcher dispatcher, CancellationToken stoppingToken)
    {
        lock (_gate)
            return _running ??= RunOnceAsync(dispatcher, stoppingToken);
    }

    private async Task RunOnceAsync(InvocationDispatcher dispatcher, CancellationToken stoppingToken)
    {
        await Task.Yield(); // listeners registering after the first one are not held up
        await EnsureCreatedAsync(stoppingToken);
        var invoker = new WorkItemInvoker(dispatcher, Lookup(_orchestrators), Lookup(_activities));
        var worker = new TaskHubWorker(Service, new NoTasks<TaskOrchestration>(), new NoTasks<TaskActivity>(), _loggers);
        worker.AddOrchestrationDispatcherMiddleware(invoker.RunOrchestratorAsync);
        worker.AddActivityDispatcherMiddleware(invoker.RunActivityAsync);
        await worker.StartAsync();
        LogStarted(HubName, _orchestrators.Count, _activities.Count, _settings.PartitionCount, _settings.MaxQueuePollingInterval.TotalSeconds);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        // Work items in flight finish or are abandoned (the dispatcher refuses new invocations while draining): another
        // host, or this one restarted, takes them again from the queues.
        await worker.StopAsync(isForced: false);
    }

    /// <summary>
    /// Creates the hub's queues, tables and containers if they are missing. Storage may be unreachable at start (Azurite
    /// still starting, a network blip): it keeps trying, with a back-off up to 30 s, as a Functions host keeps its
    /// listeners retrying, instead of leaving every orchestration unserved until a restart.
    /// </summary>
    public async Task EnsureCreatedAsync(CancellationToken stoppingToken)
    {
        for (var delay = TimeSpan.FromSeconds(1); ; delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30)))
        {
            try
            {
                await Service.CreateIfNotExistsAsync();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogCreateFailed(HubName, ex.Message, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private Func<string, FunctionDescriptor?> Lookup(Dictionary<string, FunctionDescriptor> functions) => name =>
    {
        lock (_gate)
            return functions.GetValueOrDefault(name);
    };

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
        Message = "Durable task hub {Hub} started: {Orchestrators} orchestrator(s), {Activities} activity function(s), {Partitions} partitions, queues polled at least every {PollingSeconds} s")]
    private partial void LogStarted(string hub, int orchestrators, int activities, int partitions, double pollingSeconds);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Durable task hub {Hub}: its storage could not be prepared ({Reason}); trying again in {Seconds} s")]
    private partial void LogCreateFailed(string hub, string reason, double seconds);
}

/// <summary>
/// No orchestration or activity is registered in process: every work item goes through the middlewares to the worker
/// (DurableTask.Core lets a middleware answer for a name it does not know).
/// </summary>
internal sealed class NoTasks<T> : INameVersionObjectManager<T>
{
    public void Add(ObjectCreator<T> creator) => throw new NotSupportedException("Tasks run in the isolated worker, not in the host.");

    public T? GetObject(string name, string? version) => default;
}

/// <summary>The binding types of Durable Functions as the worker's metadata spells them.</summary>
public static class DurableBindings
{
    public const string OrchestrationTrigger = "orchestrationTrigger";
    public const string ActivityTrigger = "activityTrigger";
    public const string EntityTrigger = "entityTrigger";
    public const string DurableClient = "durableClient";
}
