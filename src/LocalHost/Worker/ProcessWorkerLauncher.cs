using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Campaigns.LocalHost.Worker;

/// <summary>
/// Starts the built app as the Functions host does: <c>worker.config.json</c> in the app directory names the
/// executable (<c>defaultExecutablePath</c>, "dotnet") and the worker (<c>defaultWorkerPath</c>, the app's dll); the
/// working directory is the app directory. The worker's console output is passed to the log line by line.
/// </summary>
public sealed partial class ProcessWorkerLauncher(ILoggerFactory loggers) : IWorkerLauncher
{
    private readonly ILogger _log = loggers.CreateLogger<ProcessWorkerLauncher>();

    public Task<IWorkerInstance> LaunchAsync(WorkerLaunchContext context, CancellationToken cancellationToken)
    {
        var (executable, workerPath) = ReadWorkerConfig(context.AppDirectory);
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = context.AppDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (workerPath is not null)
            info.ArgumentList.Add(workerPath);
        foreach (var argument in context.Arguments)
            info.ArgumentList.Add(argument);
        info.Environment.Clear();
        foreach (var (key, value) in context.Environment)
            info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start the worker '{executable}'.");
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) LogOutput(context.WorkerId, line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) LogError(context.WorkerId, line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        LogStarted(process.Id, executable, workerPath ?? "", context.WorkerId);
        return Task.FromResult<IWorkerInstance>(new WorkerProcess(process));
    }

    /// <summary>Reads worker.config.json; a relative worker path is relative to the app directory.</summary>
    public static (string Executable, string? WorkerPath) ReadWorkerConfig(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "worker.config.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"No worker.config.json in {appDirectory}: is this the build output of an isolated-worker app?", path);
        var description = JsonNode.Parse(File.ReadAllText(path))?["description"]
            ?? throw new InvalidDataException($"{path} has no 'description'.");
        var executable = description["defaultExecutablePath"]?.GetValue<string>() ?? "dotnet";
        var worker = description["defaultWorkerPath"]?.GetValue<string>();
        if (worker is not null && !Path.IsPathRooted(worker))
            worker = Path.Combine(appDirectory, worker);
        if (executable.Contains(Path.DirectorySeparatorChar) && !Path.IsPathRooted(executable))
            executable = Path.Combine(appDirectory, executable);
        return (executable, worker);
    }

    private sealed class WorkerProcess(Process process) : IWorkerInstance
    {
        /// <summary>Read once at start: a disposed Process (a worker already replaced) no longer knows its id.</summary>
        public int? ProcessId { get; } = process.Id;

        public Task Exited { get; } = process.WaitForExitAsync();

        public async Task KillAsync()
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            await Exited;
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
                await KillAsync();
            process.Dispose();
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Started worker process {Pid}: {Executable} {WorkerPath} (worker id {WorkerId})")]
    private partial void LogStarted(int pid, string executable, string workerPath, string workerId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "worker {WorkerId} stdout: {Line}")]
    private partial void LogOutput(string workerId, string line);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "worker {WorkerId} stderr: {Line}")]
    private partial void LogError(string workerId, string line);
}
