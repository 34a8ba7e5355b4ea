using System.Net;
using System.Net.Sockets;
using Campaigns.LocalHost.Configuration;
using Campaigns.LocalHost.Durable;
using Campaigns.LocalHost.Grpc;
using Campaigns.LocalHost.Grpc.Messages;
using Campaigns.LocalHost.Http;
using Campaigns.LocalHost.Invocation;
using Campaigns.LocalHost.Triggers;
using Campaigns.LocalHost.Triggers.Blobs;
using Campaigns.LocalHost.Triggers.Queues;
using Campaigns.LocalHost.Triggers.Timers;
using Campaigns.LocalHost.Worker;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Campaigns.LocalHost;

/// <summary>
/// A local Azure Functions host: one Kestrel with the app's HTTP port and a loopback gRPC port (FunctionRpc), a
/// supervised worker, and a listener per non-HTTP trigger. Functions come from the worker's own metadata. Runs in a
/// test process as well as from <c>Program</c>. Stopping is graceful as in the Functions host: no new work, in-flight
/// invocations drained, WorkerTerminate, then the worker's grace period.
/// </summary>
public sealed partial class FunctionsHost : IAsyncDisposable
{
    /// <summary>The Functions host version this host plays (sent in WorkerInitRequest).</summary>
    public const string HostVersion = "4.1000.0";

    /// <summary>The Functions host's default HTTP request limit (100 MB); bodies stream, so this is not memory.</summary>
    private const long MaxRequestBodySize = 100L * 1024 * 1024;

    private readonly FunctionsHostOptions _options;
    private readonly IReadOnlyList<IFunctionsHostExtension> _extensions;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ParameterBinding[]> _inputs = new();
    /// <summary>Cancelled first on stop: the trigger listeners take no new work.</summary>
    private readonly CancellationTokenSource _stopListening = new();

    /// <summary>Cancelled last, after the drain and WorkerTerminate: supervision must not restart a terminated worker.</summary>
    private readonly CancellationTokenSource _stopWorker = new();
    private readonly List<Task> _listening = [];
    private Task _supervising = Task.CompletedTask;
    private WebApplication? _app;
    private HttpTriggerHandler? _http;
    private ILogger _log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private int _stopped;
    private int _disposed;

    public FunctionsHost(FunctionsHostOptions options)
    {
        _options = options;
        _extensions = options.Extensions.Any(e => e is DurableFunctionsExtension)
            ? options.Extensions.ToList()
            : [.. options.Extensions, new DurableFunctionsExtension()];
        var overrides = new Dictionary<string, string>(options.Settings, StringComparer.OrdinalIgnoreCase);
        if (options.StorageConnectionString is { } storage)
            overrides.TryAdd("AzureWebJobsStorage", storage);
        Settings = AppSettings.Load(options.AppDirectory, overrides, options.IncludeEnvironment);
        HostJson = HostJson.Load(options.HostJsonPath ?? Path.Combine(options.AppDirectory, "host.json"), Settings.Values);
        HostId = options.HostId ?? Settings["AzureFunctionsWebHost__hostid"] ?? DefaultHostId(options.AppDirectory);
        Port = options.Port == 0 ? FreePort() : options.Port;
        GrpcPort = FreePort();
    }

    public AppSettings Settings { get; }

    public HostJson HostJson { get; }

    public string HostId { get; }

    /// <summary>The tally of the host's own storage requests, when its options gave one.</summary>
    public StorageRequestTally? StorageRequests => _options.StorageRequests;

    public int Port { get; }

    public int GrpcPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public Uri GrpcAddress => new($"http://127.0.0.1:{GrpcPort}/");

    public WorkerSupervisor Worker { get; private set; } = null!;

    public InvocationDispatcher Invocations { get; private set; } = null!;

    public IReadOnlyList<FunctionDescriptor> Functions { get; private set; } = [];

    public IReadOnlyList<ITriggerListener> Listeners { get; private set; } = [];

    /// <summary>Starts Kestrel and the worker, waits until the worker has loaded its functions, starts the triggers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        if (_options.ConfigureLogging is { } configure)
            configure(builder.Logging);
        else
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        // Kestrel's and gRPC's per-request lines would drown the functions' own logs.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodySize;
            kestrel.Listen(IPAddress.Loopback, Port, listen => listen.Protocols = HttpProtocols.Http1); // h2 needs TLS here
            kestrel.Listen(IPAddress.Loopback, GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null; // the worker is told --functions-grpc-max-message-length 2147483647
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton<WorkerConnections>();
        foreach (var extension in _extensions)
            extension.ConfigureServices(builder.Services, this);
        var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        _log = loggers.CreateLogger<FunctionsHost>();

        var environment = new WorkerEnvironment(_options.AppDirectory, () => GrpcAddress, Settings);
        var launcher = _options.WorkerLauncher ?? new ProcessWorkerLauncher(loggers);
        Worker = new WorkerSupervisor(launcher, app.Services.GetRequiredService<WorkerConnections>(), environment, _options.TimeProvider, loggers.CreateLogger<WorkerSupervisor>());
        Invocations = new InvocationDispatcher(Worker, HostJson.FunctionTimeout, _options.TimeProvider, loggers.CreateLogger<InvocationDispatcher>(), BindInputs);
        _app = app;

        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort == GrpcPort)
                await next(context);
            else if (_http is { } http)
                await http.HandleAsync(context);
            else
                await Problems.WriteAsync(context, 503, "Host starting", "The worker has not loaded its functions yet.");
        });
        app.MapGrpcService<FunctionRpcService>();
        foreach (var extension in _extensions)
            extension.MapEndpoints(app);

        await app.StartAsync(cancellationToken);
        _supervising = Worker.RunAsync(_stopWorker.Token);
        Functions = await Worker.Functions.WaitAsync(WorkerSupervisor.StartTimeout, _options.TimeProvider, cancellationToken);
        // A disabled HTTP function is not routed (its path answers 404), as under the Functions host.
        var routed = Functions.Where(f => !(f.IsTrigger("httpTrigger") && Settings.IsDisabled(f.Name))).ToList();
        foreach (var disabled in Functions.Except(routed))
            LogDisabled(disabled.Name);
        _http = new HttpTriggerHandler(new HttpRouter(routed, HostJson.RoutePrefix), Invocations, loggers.CreateLogger<HttpTriggerHandler>());
        Listeners = CreateListeners(loggers);
        foreach (var listener in Listeners)
            _listening.Add(RunListenerAsync(listener));
        LogStarted(Functions.Count, BaseAddress.ToString(), GrpcAddress.ToString());
    }

    private List<ITriggerListener> CreateListeners(ILoggerFactory loggers)
    {
        var context = new TriggerContext(Settings, HostJson, Invocations, HostId, _options.TimeProvider, loggers, _options.StorageRequests);
        var providers = _extensions.SelectMany(e => e.TriggerProviders)
            .Concat([new QueueTriggerProvider(), new BlobTriggerProvider(_options.BlobScanInterval), new TimerTriggerProvider()]).ToList();
        var listeners = new List<ITriggerListener>();
        foreach (var function in Functions.Where(f => !f.IsTrigger("httpTrigger")))
        {
            if (Settings.IsDisabled(function.Name))
            {
                LogDisabled(function.Name);
                continue;
            }
            var listener = providers.Select(p => p.TryCreate(function, context)).FirstOrDefault(l => l is not null);
            if (listener is null)
                LogUnsupported(function.Name, function.TriggerType);
            else
                listeners.Add(listener);
        }
        return listeners;
    }

    /// <summary>
    /// The extensions' data for a function's non-trigger input bindings (a durableClient's endpoint, ...): the same for
    /// every invocation of a function, so worked out once per function, not on each request.
    /// </summary>
    private IReadOnlyList<ParameterBinding> BindInputs(FunctionDescriptor function) =>
        _inputs.GetOrAdd(function.FunctionId, _ => function.Bindings
            .Where(b => !ReferenceEquals(b, function.Trigger) && !string.Equals(b["direction"]?.GetValue<string>(), "out", StringComparison.OrdinalIgnoreCase))
            .Select(b => (Binding: b, Data: _extensions.Select(e => e.BindInput(function, b)).FirstOrDefault(d => d is not null)))
            .Where(x => x.Data is not null)
            .Select(x => new ParameterBinding { Name = x.Binding["name"]?.GetValue<string>() ?? "", Data = x.Data })
            .ToArray());

    private async Task RunListenerAsync(ITriggerListener listener)
    {
        try
        {
            await listener.RunAsync(_stopListening.Token);
        }
        catch (OperationCanceledException) when (_stopListening.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogListenerFailed(listener.FunctionName, ex.Message);
        }
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (Ctrl-C, SIGTERM), then stops gracefully.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        await StopAsync(CancellationToken.None);
    }

    /// <summary>
    /// Stops as the Functions host does: listeners take no new messages and HTTP requests get 503, in-flight
    /// invocations finish (up to the grace period), the worker gets WorkerTerminate and its grace period, then Kestrel stops.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1 || _app is null)
            return;
        LogStopping(Invocations.InFlight);
        var drained = Invocations.DrainAsync(cancellationToken);
        await _stopListening.CancelAsync();
        try
        {
            await drained.WaitAsync(_options.GracePeriod, _options.TimeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(Invocations.InFlight);
        }
        await Worker.TerminateAsync(_options.GracePeriod);
        await _stopWorker.CancelAsync();
        try
        {
            await Task.WhenAll(_listening.Append(_supervising)).WaitAsync(_options.GracePeriod, _options.TimeProvider, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(Invocations.InFlight); // a listener still settling its last message: its lease brings it back
        }
        await _app.StopAsync(cancellationToken);
        _http?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await StopAsync(CancellationToken.None);
        if (_app is not null)
            await _app.DisposeAsync();
        _stopListening.Dispose();
        _stopWorker.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Lower-case letters, digits and dashes, at most 32 characters, as the Functions host's ids are.</summary>
    private static string DefaultHostId(string appDirectory)
    {
        var name = new DirectoryInfo(appDirectory).Name.ToLowerInvariant();
        var id = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        id = "local-" + (id.Length == 0 ? "app" : id);
        return id.Length > 32 ? id[..32].TrimEnd('-') : id;
    }

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Function {Function} is disabled by its app setting AzureWebJobs.<name>.Disabled")]
    private partial void LogDisabled(string function);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Functions host ready: {Count} function(s); HTTP {Http}, gRPC {Grpc}")]
    private partial void LogStarted(int count, string http, string grpc);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Function '{Function}': no listener for trigger '{Trigger}', it will not run")]
    private partial void LogUnsupported(string function, string trigger);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "The trigger listener of '{Function}' stopped: {Reason}")]
    private partial void LogListenerFailed(string function, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Stopping: draining {InFlight} invocation(s)")]
    private partial void LogStopping(int inFlight);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Stopping: {InFlight} invocation(s) still running after the grace period")]
    private partial void LogDrainTimedOut(int inFlight);
}
