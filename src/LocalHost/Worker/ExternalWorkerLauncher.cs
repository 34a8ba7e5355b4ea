using System.Threading.Channels;

namespace Campaigns.LocalHost.Worker;

/// <summary>
/// For a worker that someone else runs (a test that builds the worker's own host in-process, with fake clocks): the
/// host starts nothing, publishes what a worker needs to connect (<see cref="NextLaunchAsync"/>), and waits for a worker that
/// connects with the given <c>--functions-worker-id</c>. Such a worker cannot be killed or watched from here: its stream ending is its exit.
/// </summary>
public sealed class ExternalWorkerLauncher : IWorkerLauncher
{
    private readonly Channel<WorkerLaunchContext> _launches = Channel.CreateUnbounded<WorkerLaunchContext>();

    /// <summary>Waits until the host wants a worker, and says how to start one (arguments and environment).</summary>
    public ValueTask<WorkerLaunchContext> NextLaunchAsync(CancellationToken cancellationToken) => _launches.Reader.ReadAsync(cancellationToken);

    public Task<IWorkerInstance> LaunchAsync(WorkerLaunchContext context, CancellationToken cancellationToken)
    {
        _launches.Writer.TryWrite(context);
        return Task.FromResult<IWorkerInstance>(new External());
    }

    private sealed class External : IWorkerInstance
    {
        public int? ProcessId => null;

        public Task Exited { get; } = new TaskCompletionSource().Task;

        public Task KillAsync() => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
