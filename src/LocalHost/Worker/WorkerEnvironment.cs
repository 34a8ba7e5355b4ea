using Campaigns.LocalHost.Configuration;

namespace Campaigns.LocalHost.Worker;

/// <summary>
/// What every worker launch shares: the app directory, the host's gRPC address and the environment the Functions host
/// gives a worker (the app settings, <c>FUNCTIONS_APPLICATION_DIRECTORY</c>, <c>FUNCTIONS_WORKER_RUNTIME</c>).
/// </summary>
public sealed class WorkerEnvironment(string appDirectory, Func<Uri> functionsUri, AppSettings settings)
{
    /// <summary>Variables of the host process that would make the worker's own web server bind the host's port.</summary>
    private static readonly string[] NotForTheWorker = ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "HTTP_PORTS", "HTTPS_PORTS", "DOTNET_URLS"];

    public string AppDirectory { get; } = appDirectory;

    public WorkerLaunchContext NewLaunch()
    {
        var variables = new Dictionary<string, string>(settings.Values, StringComparer.Ordinal);
        foreach (var name in NotForTheWorker)
            variables.Remove(name);
        variables["FUNCTIONS_APPLICATION_DIRECTORY"] = AppDirectory;
        variables["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        return new WorkerLaunchContext(Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), functionsUri(), AppDirectory, variables);
    }
}
