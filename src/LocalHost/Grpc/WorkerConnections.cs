using System.Collections.Concurrent;
using Campaigns.LocalHost.Grpc.Messages;
using Grpc.Core;
using RpcException = Grpc.Core.RpcException;

namespace Campaigns.LocalHost.Grpc;

/// <summary>
/// Where a launched worker meets its stream: the supervisor says which worker id it expects (the
/// <c>--functions-worker-id</c> it gave), the gRPC service hands over each stream by the id in its <c>StartStream</c>.
/// A worker that a test starts itself is given the same id (<see cref="Worker.ExternalWorkerLauncher"/>).
/// </summary>
public sealed class WorkerConnections(ILoggerFactory loggers)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<WorkerChannel>> _expected = new();

    /// <summary>Waits for the worker started with this id to connect (register before launching: it may be quick).</summary>
    public Task<WorkerChannel> ExpectAsync(string workerId, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<WorkerChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        _expected[workerId] = waiter;
        return waiter.Task.WaitAsync(cancellationToken);
    }

    internal async Task AcceptAsync(IAsyncStreamReader<StreamingMessage> reader, IServerStreamWriter<StreamingMessage> writer, ServerCallContext context)
    {
        if (!await reader.MoveNext(context.CancellationToken) || reader.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message on EventStream must be StartStream."));
        var workerId = reader.Current.StartStream.WorkerId;
        if (!_expected.TryRemove(workerId, out var waiter))
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"No worker with id '{workerId}' is expected."));
        var channel = new WorkerChannel(workerId, loggers);
        var running = channel.RunAsync(reader, writer, context.CancellationToken);
        waiter.TrySetResult(channel);
        await running;
    }
}

/// <summary>The host's end of <c>AzureFunctionsRpcMessages.FunctionRpc</c>: every stream goes to <see cref="WorkerConnections"/>.</summary>
internal sealed class FunctionRpcService(WorkerConnections connections) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context) =>
        connections.AcceptAsync(requestStream, responseStream, context);
}
