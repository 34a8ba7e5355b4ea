using Campaigns.LocalHost.Grpc;
using Campaigns.LocalHost.Grpc.Messages;

namespace Campaigns.LocalHost.Worker;

/// <summary>
/// Keeps one worker running, as the Functions host does: launch, wait for its stream, WorkerInitRequest,
/// FunctionsMetadataRequest, one FunctionLoadRequest per function (each answered) — then it is ready for invocations.
/// A worker that exits or drops its stream is replaced after a short, growing pause; invocations wait for the new one
/// (<see cref="GetReadyAsync"/>). Stopping sends WorkerTerminate and gives the worker its grace period to exit.
/// </summary>
public sealed partial class WorkerSupervisor(
    IWorkerLauncher launcher, WorkerConnections connections, WorkerEnvironment environment, TimeProvider time, ILogger<WorkerSupervisor> log)
{
    /// <summary>How long a started worker may take to connect and load its functions.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan FirstRestartDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestRestartDelay = TimeSpan.FromSeconds(10);

    private readonly TaskCompletionSource<IReadOnlyList<FunctionDescriptor>> _functions = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<WorkerChannel> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (IWorkerInstance Worker, WorkerChannel? Channel)? _current;
    private int _started;
    private volatile bool _terminating;

    /// <summary>The functions of the first worker that loaded; the app's code does not change while the host runs.</summary>
    public Task<IReadOnlyList<FunctionDescriptor>> Functions => _functions.Task;

    /// <summary>The worker running now (its process id, for tests that kill it).</summary>
    public IWorkerInstance? CurrentWorker => _current?.Worker;

    /// <summary>How many workers were started so far (1 + restarts).</summary>
    public int WorkersStarted => Volatile.Read(ref _started);

    /// <summary>The worker that is ready now, or the next one to be.</summary>
    public Task<WorkerChannel> GetReadyAsync(CancellationToken cancellationToken) => Volatile.Read(ref _ready).Task.WaitAsync(cancellationToken);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var delay = FirstRestartDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            IWorkerInstance? worker = null;
            WorkerChannel? channel = null;
            try
            {
                var launch = environment.NewLaunch();
                var connected = connections.ExpectAsync(launch.WorkerId, stoppingToken);
                worker = await launcher.LaunchAsync(launch, stoppingToken);
                Interlocked.Increment(ref _started);
                _current = (worker, null);
                channel = await ConnectAsync(connected, worker, stoppingToken);
                _current = (worker, channel);
                await LoadAsync(channel, stoppingToken);
                Volatile.Read(ref _ready).TrySetResult(channel);
                delay = FirstRestartDelay;
                await Task.WhenAny(channel.Closed, worker.Exited, Task.Delay(Timeout.Infinite, stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogWorkerFailed(ex.Message);
                _functions.TrySetException(ex); // the first worker could not start: nothing can run
            }
            finally
            {
                var ready = Volatile.Read(ref _ready);
                if (ready.Task.IsCompletedSuccessfully && ReferenceEquals(ready.Task.Result, channel))
                    Volatile.Write(ref _ready, new TaskCompletionSource<WorkerChannel>(TaskCreationOptions.RunContinuationsAsynchronously));
                if (!stoppingToken.IsCancellationRequested && !_terminating && worker is not null)
                {
                    channel?.HangUp();
                    await worker.DisposeAsync(); // kills it if it still runs: a worker without a stream is of no use
                }
            }
            if (stoppingToken.IsCancellationRequested || _terminating)
                break; // a worker that exits after WorkerTerminate is not replaced
            LogRestarting(delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestRestartDelay.Ticks));
        }
    }

    /// <summary>
    /// Sends WorkerTerminate and waits up to the grace period for the worker to exit (or, for a worker the host cannot
    /// watch, to close its stream); kills it after that.
    /// </summary>
    public async Task TerminateAsync(TimeSpan gracePeriod)
    {
        _terminating = true;
        if (_current is not { } current)
            return;
        var (worker, channel) = current;
        var exited = channel is null ? worker.Exited : Task.WhenAny(worker.Exited, channel.Closed);
        try
        {
            channel?.Terminate(gracePeriod);
        }
        catch (WorkerGoneException)
        {
            // already gone
        }
        try
        {
            await exited.WaitAsync(gracePeriod, time);
            LogExited(worker.ProcessId ?? 0);
        }
        catch (TimeoutException)
        {
            LogKilled(worker.ProcessId ?? 0, gracePeriod.TotalSeconds);
        }
        channel?.HangUp();
        await worker.DisposeAsync();
    }

    private static async Task<WorkerChannel> ConnectAsync(Task<WorkerChannel> connected, IWorkerInstance worker, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var first = await Task.WhenAny(connected, worker.Exited, Task.Delay(Timeout.Infinite, timeout.Token));
        cancellationToken.ThrowIfCancellationRequested();
        if (first == connected)
            return await connected;
        throw new InvalidOperationException(first == worker.Exited
            ? "The worker exited before it connected to the host's gRPC endpoint."
            : $"The worker did not connect within {StartTimeout.TotalSeconds} s.");
    }

    private async Task LoadAsync(WorkerChannel channel, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var init = await channel.InitializeAsync(environment.AppDirectory, timeout.Token);
        EnsureSuccess(init.Result, "WorkerInitRequest");
        var metadata = await channel.GetMetadataAsync(environment.AppDirectory, timeout.Token);
        EnsureSuccess(metadata.Result, "FunctionsMetadataRequest");
        var functions = metadata.FunctionMetadataResults.Select(FunctionDescriptor.From).ToList();
        foreach (var function in functions)
        {
            var loaded = await channel.LoadAsync(function.FunctionId, function.Metadata, timeout.Token);
            EnsureSuccess(loaded.Result, $"FunctionLoadRequest({function.Name})");
        }
        _functions.TrySetResult(functions);
        LogReady(channel.WorkerId, functions.Count, channel.HttpUri?.ToString() ?? "none");
    }

    private static void EnsureSuccess(StatusResult? result, string step)
    {
        if (result is not null && result.Status != StatusResult.Types.Status.Success)
            throw new InvalidOperationException($"The worker failed {step}: {result.Exception?.Message ?? result.Result}");
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Worker {WorkerId} is ready: {Count} function(s) loaded, HttpUri {HttpUri}")]
    private partial void LogReady(string workerId, int count, string httpUri);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Worker failed or exited: {Reason}")]
    private partial void LogWorkerFailed(string reason);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Restarting the worker in {Milliseconds} ms")]
    private partial void LogRestarting(double milliseconds);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Worker process {Pid} exited after WorkerTerminate")]
    private partial void LogExited(int pid);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "Worker process {Pid} did not exit within {Seconds} s of WorkerTerminate: killed")]
    private partial void LogKilled(int pid, double seconds);
}
