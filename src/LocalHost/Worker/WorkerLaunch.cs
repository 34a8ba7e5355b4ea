namespace Campaigns.LocalHost.Worker;

/// <summary>What a worker needs to find its host: the arguments and environment the Functions host gives it.</summary>
/// <param name="WorkerId">The id the worker must send back in StartStream.</param>
/// <param name="FunctionsUri">The host's gRPC endpoint (h2c on loopback).</param>
/// <param name="Environment">App settings plus FUNCTIONS_APPLICATION_DIRECTORY and FUNCTIONS_WORKER_RUNTIME.</param>
public sealed record WorkerLaunchContext(
    string WorkerId, string RequestId, Uri FunctionsUri, string AppDirectory, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>The command-line arguments the Functions host passes to a worker.</summary>
    public IReadOnlyList<string> Arguments =>
    [
        "--functions-uri", FunctionsUri.ToString(),
        "--functions-worker-id", WorkerId,
        "--functions-request-id", RequestId,
        "--functions-grpc-max-message-length", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];
}

/// <summary>
/// How the host gets a worker: start the built app as a process (<see cref="ProcessWorkerLauncher"/>, what the
/// Functions host does), or wait for one that a test runs itself (<see cref="ExternalWorkerLauncher"/>).
/// </summary>
public interface IWorkerLauncher
{
    Task<IWorkerInstance> LaunchAsync(WorkerLaunchContext context, CancellationToken cancellationToken);
}

/// <summary>A worker the host started or was given.</summary>
public interface IWorkerInstance : IAsyncDisposable
{
    /// <summary>The process id, when the host started a process.</summary>
    int? ProcessId { get; }

    /// <summary>Completes when the worker has exited (never, for a worker the host cannot see).</summary>
    Task Exited { get; }

    /// <summary>Ends the worker at once (after the grace period of a terminate).</summary>
    Task KillAsync();
}
