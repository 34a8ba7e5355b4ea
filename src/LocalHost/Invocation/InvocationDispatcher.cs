using System.Diagnostics;
using Campaigns.LocalHost.Grpc;
using Campaigns.LocalHost.Grpc.Messages;
using Campaigns.LocalHost.Worker;
using Google.Protobuf;

namespace Campaigns.LocalHost.Invocation;

/// <summary>How an invocation ended, from the host's point of view (what a trigger listener settles on).</summary>
public enum InvocationStatus
{
    Succeeded,
    Failed,

    /// <summary>Ran past host.json functionTimeout: the worker was sent InvocationCancel.</summary>
    TimedOut,

    /// <summary>The caller gave up (the host is stopping, the HTTP client went away).</summary>
    Cancelled,

    /// <summary>Not started: the host is draining for shutdown.</summary>
    Rejected,
}

public sealed record InvocationOutcome(string InvocationId, InvocationStatus Status, string? Error, InvocationResponse? Response)
{
    public bool Succeeded => Status == InvocationStatus.Succeeded;
}

/// <summary>
/// Runs invocations on the ready worker for every trigger, with what the Functions host adds around each: an
/// invocation id and a W3C trace context (the .NET worker fails without one), host.json <c>functionTimeout</c> (past
/// it, InvocationCancel goes to the worker), and a count of invocations in flight so that shutdown can drain them.
/// </summary>
/// <param name="bindInputs">The data of a function's non-trigger input bindings, added to every invocation of it.</param>
public sealed partial class InvocationDispatcher(
    WorkerSupervisor supervisor, TimeSpan functionTimeout, TimeProvider time, ILogger<InvocationDispatcher> log,
    Func<FunctionDescriptor, IReadOnlyList<ParameterBinding>>? bindInputs = null)
{
    /// <summary>What InvocationCancel grants the function to wind down.</summary>
    private static readonly TimeSpan CancelGracePeriod = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private int _inFlight;
    private long _started;
    private bool _draining;
    private TaskCompletionSource? _drained;

    public TimeSpan FunctionTimeout => functionTimeout;

    /// <summary>Invocations started and not yet settled.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Invocations started since the host started: lets a test tell that nothing ran between two looks.</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary>
    /// Sends <paramref name="request"/> to the ready worker (waiting for one if it is restarting) and waits for its
    /// response. <paramref name="alongside"/> runs at the same time on the same worker, with a token that is cancelled
    /// on timeout: the HTTP trigger proxies the request to the worker's Kestrel there.
    /// </summary>
    public async Task<InvocationOutcome> InvokeAsync(
        FunctionDescriptor function, InvocationRequest request, Func<WorkerChannel, CancellationToken, Task>? alongside, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.InvocationId))
            request.InvocationId = Guid.NewGuid().ToString();
        if (!TryEnter())
            return new InvocationOutcome(request.InvocationId, InvocationStatus.Rejected, "The host is shutting down.", null);
        try
        {
            request.FunctionId = function.FunctionId;
            if (bindInputs?.Invoke(function) is { Count: > 0 } inputs)
            {
                foreach (var input in inputs)
                {
                    if (request.InputData.All(i => i.Name != input.Name))
                        request.InputData.Add(input.Clone());
                }
            }
            // The host's span of this invocation: child of the caller's trace context when one came (an HTTP request's
            // traceparent, put there by the HTTP trigger), else of the current activity; the worker's invocation span
            // is its child through the trace context sent with the request, so host and worker share one trace.
            var parent = request.TraceContext is { } given && ActivityContext.TryParse(given.TraceParent, given.TraceState, out var caller)
                ? caller : Activity.Current?.Context ?? default;
            using var activity = HostTelemetry.Source.StartActivity("Invoke " + function.Name, ActivityKind.Server, parent);
            activity?.SetTag("faas.name", function.Name);
            activity?.SetTag("faas.invocation_id", request.InvocationId);
            request.TraceContext = TraceContextOf(activity, function) ?? request.TraceContext ?? NewTraceContext(function);
            WorkerChannel channel;
            try
            {
                channel = await supervisor.GetReadyAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return new InvocationOutcome(request.InvocationId, InvocationStatus.Cancelled, "Cancelled before a worker was ready.", null);
            }
            return await RunAsync(channel, function, request, alongside, cancellationToken);
        }
        finally
        {
            Exit();
        }
    }

    private async Task<InvocationOutcome> RunAsync(
        WorkerChannel channel, FunctionDescriptor function, InvocationRequest request, Func<WorkerChannel, CancellationToken, Task>? alongside, CancellationToken cancellationToken)
    {
        var id = request.InvocationId;
        using var timeout = new CancellationTokenSource(functionTimeout, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var started = time.GetTimestamp();
        var response = channel.InvokeAsync(request, stop.Token);
        var side = alongside?.Invoke(channel, stop.Token) ?? Task.CompletedTask;
        InvocationOutcome outcome;
        try
        {
            // A proxy that fails (the worker's Kestrel refused the request) means no answer will come: stop waiting.
            if (await Task.WhenAny(response, side) == side && side.IsFaulted && !response.IsCompleted)
            {
                await stop.CancelAsync(); // ends the wait for a response that will not come
                TryCancel(channel, id);
                var error = side.Exception?.InnerException?.Message ?? "The proxied request failed.";
                LogInvoked(function.Name, id, TraceIdOf(request), nameof(InvocationStatus.Failed), time.GetElapsedTime(started).TotalMilliseconds, error);
                return new InvocationOutcome(id, InvocationStatus.Failed, error, null);
            }
            var answer = await response;
            outcome = answer.Result?.Status switch
            {
                StatusResult.Types.Status.Success => new InvocationOutcome(id, InvocationStatus.Succeeded, null, answer),
                StatusResult.Types.Status.Cancelled => new InvocationOutcome(id, InvocationStatus.Cancelled, "The worker cancelled the invocation.", answer),
                _ => new InvocationOutcome(id, InvocationStatus.Failed, answer.Result?.Exception?.Message ?? answer.Result?.Result ?? "failed", answer),
            };
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            TryCancel(channel, id);
            LogTimedOut(function.Name, id, functionTimeout.TotalSeconds);
            outcome = new InvocationOutcome(id, InvocationStatus.TimedOut,
                $"Function '{function.Name}' timed out after {functionTimeout} (host.json functionTimeout); the invocation was cancelled.", null);
        }
        catch (OperationCanceledException)
        {
            TryCancel(channel, id);
            outcome = new InvocationOutcome(id, InvocationStatus.Cancelled, "The invocation was cancelled by its caller.", null);
        }
        catch (WorkerGoneException ex)
        {
            outcome = new InvocationOutcome(id, InvocationStatus.Failed, ex.Message, null);
        }
        try
        {
            // The proxied HTTP response may still be streaming after the worker answered; it ends with the worker.
            await side;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            if (outcome.Succeeded)
                outcome = outcome with { Status = InvocationStatus.Failed, Error = ex.Message };
        }
        LogInvoked(function.Name, id, TraceIdOf(request), outcome.Status.ToString(), time.GetElapsedTime(started).TotalMilliseconds, outcome.Error ?? "");
        return outcome;
    }

    private void TryCancel(WorkerChannel channel, string invocationId)
    {
        try
        {
            channel.Cancel(invocationId, CancelGracePeriod);
        }
        catch (WorkerGoneException)
        {
            // nothing left to cancel
        }
    }

    /// <summary>Refuses new invocations from now on and waits until those in flight have settled.</summary>
    public Task DrainAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _draining = true;
            if (_inFlight == 0)
                return Task.CompletedTask;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task.WaitAsync(cancellationToken);
        }
    }

    private bool TryEnter()
    {
        lock (_gate)
        {
            if (_draining)
                return false;
            _inFlight++;
            _started++;
            return true;
        }
    }

    private void Exit()
    {
        lock (_gate)
        {
            _inFlight--;
            if (_inFlight == 0 && _draining)
                _drained?.TrySetResult();
        }
    }

    private static string TraceIdOf(InvocationRequest request) =>
        request.TraceContext?.TraceParent is { Length: >= 35 } parent ? parent.Substring(3, 32) : "-";

    /// <summary>The trace context of the host's span, or null when nobody listens to the host's spans (none was made).</summary>
    private static RpcTraceContext? TraceContextOf(Activity? activity, FunctionDescriptor function)
    {
        if (activity is null)
            return null;
        var context = new RpcTraceContext { TraceParent = activity.Id ?? "", TraceState = activity.TraceStateString ?? "" };
        context.Attributes.Add("FunctionName", function.Name);
        return context;
    }

    /// <summary>A fresh W3C traceparent, child of the current Activity when there is one.</summary>
    private static RpcTraceContext NewTraceContext(FunctionDescriptor function)
    {
        var traceId = Activity.Current?.TraceId ?? ActivityTraceId.CreateRandom();
        var context = new RpcTraceContext { TraceParent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01", TraceState = "" };
        context.Attributes.Add("FunctionName", function.Name);
        return context;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Executed '{Function}' (Id={InvocationId}, trace {TraceId}): {Status} in {Milliseconds:0} ms {Error}")]
    private partial void LogInvoked(string function, string invocationId, string traceId, string status, double milliseconds, string error);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Function '{Function}' (Id={InvocationId}) passed functionTimeout ({Seconds} s): sent InvocationCancel")]
    private partial void LogTimedOut(string function, string invocationId, double seconds);
}

/// <summary>Small helpers to build the protocol's TypedData values as the Functions host does.</summary>
public static class TypedDataValues
{
    public static TypedData String(string value) => new() { String = value };

    public static TypedData Json(string json) => new() { Json = json };

    public static TypedData Bytes(byte[] value) => new() { Bytes = ByteString.CopyFrom(value) };

    /// <summary>A blob as the Storage extension references it for the worker to bind (source AzureStorageBlobs, JSON content).</summary>
    public static TypedData BlobReference(string connection, string container, string blob) => new()
    {
        ModelBindingData = new ModelBindingData
        {
            Version = "1.0",
            Source = "AzureStorageBlobs",
            ContentType = "application/json",
            Content = ByteString.CopyFromUtf8(System.Text.Json.JsonSerializer.Serialize(new { Connection = connection, ContainerName = container, BlobName = blob })),
        },
    };

    /// <summary>The host sends dates in trigger metadata as JSON strings (round-trip format).</summary>
    public static TypedData Time(DateTimeOffset? value) =>
        value is { } v ? Json(System.Text.Json.JsonSerializer.Serialize(v)) : new TypedData();
}
