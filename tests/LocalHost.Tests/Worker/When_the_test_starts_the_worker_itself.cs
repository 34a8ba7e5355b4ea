using System.Diagnostics;
using System.Net;
using Campaigns.LocalHost.Tests.Infrastructure;
using Campaigns.LocalHost.Worker;
using Microsoft.Extensions.Logging;

namespace Campaigns.LocalHost.Tests.Worker;

/// <summary>
/// With an <see cref="ExternalWorkerLauncher"/> the host starts no process: it publishes the arguments and environment
/// a worker needs and waits for one to connect. Here the test starts the worker itself from them (a test could as well
/// build the worker's host in-process), and the host serves the app through it.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_the_test_starts_the_worker_itself(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task The_host_waits_for_it_and_serves_the_app_through_it()
    {
        var launcher = new ExternalWorkerLauncher();
        var logs = new LogCollector(output, "");
        await using var host = new FunctionsHost(new FunctionsHostOptions
        {
            AppDirectory = SampleApp.Directory,
            Port = 0,
            StorageConnectionString = storage.ConnectionString,
            Settings = SampleApp.SettingsFor(Guid.NewGuid().ToString("N")[..10]),
            WorkerLauncher = launcher,
            ConfigureLogging = logging => logging.AddProvider(logs),
        });
        var starting = host.StartAsync(CancellationToken.None);

        var launch = await launcher.NextLaunchAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = launch.AppDirectory, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(launch.AppDirectory, "LocalHost.SampleApp.dll"));
        foreach (var argument in launch.Arguments)
            info.ArgumentList.Add(argument);
        foreach (var (name, value) in launch.Environment)
            info.Environment[name] = value;
        using var worker = Process.Start(info)!;
        try
        {
            await starting;
            using var http = new HttpClient { BaseAddress = host.BaseAddress };
            using var response = await http.GetAsync("items/7");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("\"id\":\"7\"", await response.Content.ReadAsStringAsync());
            Assert.Null(host.Worker.CurrentWorker!.ProcessId); // the host does not know the process

            await host.StopAsync(CancellationToken.None);
            await worker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15)); // WorkerTerminate reached it
        }
        finally
        {
            if (!worker.HasExited)
                worker.Kill(entireProcessTree: true);
        }
    }
}
