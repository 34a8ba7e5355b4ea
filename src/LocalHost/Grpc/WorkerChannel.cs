using System.Collections.Concurrent;
using System.Threading.Channels;
using Campaigns.LocalHost.Grpc.Messages;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RpcException = Grpc.Core.RpcException;

namespace Campaigns.LocalHost.Grpc;

/// <summary>
/// One worker's <c>EventStream</c>, from the host's side: requests go out through a single writer (a gRPC stream takes
/// one write at a time), answers come back matched to their request by kind and id. When the stream ends, every
/// request still waiting fails with <see cref="WorkerGoneException"/>, so an invocation on a dead worker settles as a
/// failure instead of hanging.
/// </summary>
public sealed partial class WorkerChannel
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _waiting = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _hangUp = new();
    private readonly ILogger _log;
    private readonly ILogger _workerLog;

    internal WorkerChannel(string workerId, ILoggerFactory loggers)
    {
        WorkerId = workerId;
        _log = loggers.CreateLogger<WorkerChannel>();
        _workerLog = loggers.CreateLogger("Worker");
    }

    public string WorkerId { get; }

    /// <summary>The worker's own Kestrel (capability <c>HttpUri</c>): HTTP triggers are proxied there.</summary>
    public Uri? HttpUri { get; private set; }

    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    /// <summary>Completes when the stream has ended, whichever side ended it.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Runs the stream until the worker hangs up, the call is aborted, or <see cref="HangUp"/> is called.</summary>
    internal async Task RunAsync(IAsyncStreamReader<StreamingMessage> reader, IServerStreamWriter<StreamingMessage> writer, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _hangUp.Token);
        var writing = WriteAllAsync(writer, stop.Token);
        try
        {
            while (await reader.MoveNext(stop.Token))
                Dispatch(reader.Current);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
            LogStreamEnded(_log, WorkerId, ex.GetType().Name);
        }
        finally
        {
            _outbound.Writer.TryComplete();
            foreach (var (_, waiter) in _waiting)
                waiter.TrySetException(new WorkerGoneException(WorkerId));
            _waiting.Clear();
            _closed.TrySetResult();
        }
        await stop.CancelAsync();
        try
        {
            await writing;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
            // the stream is gone: nothing more can be written
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> writer, CancellationToken cancellationToken)
    {
        await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken))
            await writer.WriteAsync(message, cancellationToken);
    }

    /// <summary>Ends the stream from the host's side (after a terminate, or to give up on a worker).</summary>
    public void HangUp() => _hangUp.Cancel();

    public async Task<WorkerInitResponse> InitializeAsync(string appDirectory, CancellationToken cancellationToken)
    {
        // As the Functions host sends it: no host capabilities (it adds one only in V2 compatibility mode); the
        // worker directory is where worker.config.json is, which for the isolated worker is the app directory.
        var request = new WorkerInitRequest { HostVersion = FunctionsHost.HostVersion, WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
        var reply = await RequestAsync("init", new StreamingMessage { WorkerInitRequest = request }, cancellationToken);
        var response = reply.WorkerInitResponse;
        Capabilities = new Dictionary<string, string>(response.Capabilities);
        if (response.Capabilities.TryGetValue("HttpUri", out var uri) && Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
            HttpUri = parsed;
        return response;
    }

    public async Task<FunctionMetadataResponse> GetMetadataAsync(string appDirectory, CancellationToken cancellationToken)
    {
        var reply = await RequestAsync("metadata",
            new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } }, cancellationToken);
        return reply.FunctionMetadataResponse;
    }

    public async Task<FunctionLoadResponse> LoadAsync(string functionId, RpcFunctionMetadata metadata, CancellationToken cancellationToken)
    {
        var reply = await RequestAsync("load:" + functionId,
            new StreamingMessage { FunctionLoadRequest = new FunctionLoadRequest { FunctionId = functionId, Metadata = metadata } }, cancellationToken);
        return reply.FunctionLoadResponse;
    }

    /// <summary>Sends the invocation and waits for its response; cancelling only stops the waiting (see <see cref="Cancel"/>).</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        var reply = await RequestAsync("invocation:" + request.InvocationId, new StreamingMessage { InvocationRequest = request }, cancellationToken);
        return reply.InvocationResponse;
    }

    /// <summary>Asks the worker to cancel an invocation: it cancels the function's CancellationToken.</summary>
    public void Cancel(string invocationId, TimeSpan gracePeriod)
    {
        Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId, GracePeriod = Duration.FromTimeSpan(gracePeriod) } });
    }

    /// <summary>Asks the worker to stop itself; it answers nothing and exits (the .NET worker stops its own host).</summary>
    public void Terminate(TimeSpan gracePeriod)
    {
        LogTerminate(_log, WorkerId, gracePeriod.TotalSeconds);
        Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } });
    }

    private async Task<StreamingMessage> RequestAsync(string key, StreamingMessage message, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Closed.IsCompleted)
            throw new WorkerGoneException(WorkerId);
        if (!_waiting.TryAdd(key, waiter))
            throw new InvalidOperationException($"A request '{key}' is already waiting on worker {WorkerId}.");
        message.RequestId = Guid.NewGuid().ToString();
        try
        {
            Send(message);
            return await waiter.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _waiting.TryRemove(new KeyValuePair<string, TaskCompletionSource<StreamingMessage>>(key, waiter));
        }
    }

    private void Send(StreamingMessage message)
    {
        if (!_outbound.Writer.TryWrite(message))
            throw new WorkerGoneException(WorkerId);
    }

    private void Dispatch(StreamingMessage message)
    {
        string? key = message.ContentCase switch
        {
            StreamingMessage.ContentOneofCase.WorkerInitResponse => "init",
            StreamingMessage.ContentOneofCase.FunctionMetadataResponse => "metadata",
            StreamingMessage.ContentOneofCase.FunctionLoadResponse => "load:" + message.FunctionLoadResponse.FunctionId,
            StreamingMessage.ContentOneofCase.InvocationResponse => "invocation:" + message.InvocationResponse.InvocationId,
            _ => null,
        };
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
            WriteWorkerLog(message.RpcLog);
        else if (key is not null && _waiting.TryRemove(key, out var waiter))
            waiter.TrySetResult(message);
        else
            LogUnexpected(_log, WorkerId, message.ContentCase.ToString(), key ?? "");
    }

    private void WriteWorkerLog(RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        var text = log.Exception is { Message.Length: > 0 } ex ? $"{log.Message} {ex.Type}: {ex.Message}" : log.Message;
        LogWorker(_workerLog, level, log.Category, text);
    }

    [LoggerMessage(EventId = 2001, Message = "[{Category}] {Text}")]
    private static partial void LogWorker(ILogger logger, LogLevel level, string category, string text);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Sending WorkerTerminate to worker {WorkerId} (grace period {Seconds} s)")]
    private static partial void LogTerminate(ILogger logger, string workerId, double seconds);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Worker {WorkerId} stream ended ({Reason})")]
    private static partial void LogStreamEnded(ILogger logger, string workerId, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Worker {WorkerId} sent {Kind} that nothing waits for ({Key})")]
    private static partial void LogUnexpected(ILogger logger, string workerId, string kind, string key);
}

/// <summary>The worker's stream ended (it exited, crashed or was terminated) before it answered.</summary>
public sealed class WorkerGoneException(string workerId) : Exception($"Worker {workerId} is gone: its gRPC stream ended.");
