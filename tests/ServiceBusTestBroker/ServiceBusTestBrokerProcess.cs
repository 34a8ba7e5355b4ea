using System.Diagnostics;
using System.Globalization;

namespace Campaigns.Testing.ServiceBus;

/// <summary>
/// The test broker in a process of its own (<c>Campaigns.ServiceBusTestBroker.Runner.dll</c>, which a project gets
/// beside its own assembly by referencing the runner project), for tests and benchmarks that stop and start the
/// broker as a namespace going down would, or that keep its work off their own process's CPU meter:
/// <code>
/// await using var broker = await ServiceBusTestBrokerProcess.StartAsync("--queue", "results:3", "--topic", "campaign-events:tap");
/// await using var client = new ServiceBusClient(broker.ConnectionString);
/// await broker.StopAsync(); // every connection closed, nothing listening; messages kept
/// await broker.StartAsync(); // listening again on the same port
/// </code>
/// </summary>
public sealed class ServiceBusTestBrokerProcess : IAsyncDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly SemaphoreSlim _commands = new(1, 1);

    private ServiceBusTestBrokerProcess(Process process, string connectionString, int port)
    {
        _process = process;
        ConnectionString = connectionString;
        Port = port;
    }

    /// <summary>A SAS connection string to the broker (<c>UseDevelopmentEmulator=true</c>: plain TCP).</summary>
    public string ConnectionString { get; }

    public int Port { get; }

    /// <summary>The runner's process id (for CPU meters).</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the runner on a free loopback port with the entities <paramref name="arguments"/> declare (the runner's
    /// <c>--queue</c>, <c>--topic</c>, <c>--duplicate-detection</c>, <c>--lock-duration</c> options) and waits until it listens.
    /// </summary>
    public static async Task<ServiceBusTestBrokerProcess> StartAsync(params string[] arguments)
    {
        var runner = Path.Combine(AppContext.BaseDirectory, "Campaigns.ServiceBusTestBroker.Runner.dll");
        if (!File.Exists(runner))
            throw new FileNotFoundException("The test broker's runner is not beside this assembly: reference tests/ServiceBusTestBroker.Runner from the project.", runner);
        var port = ServiceBusTestBroker.FreeLoopbackPort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(runner);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start the test broker.");
        var errors = process.StandardError.ReadToEndAsync();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(AnswerTimeout);
        if (line is null || !line.StartsWith("ConnectionString=", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The test broker did not start: {line} {await errors}");
        }

        return new ServiceBusTestBrokerProcess(process, line["ConnectionString=".Length..], port);
    }

    /// <summary>Closes every connection and stops listening, as a namespace going down would; stored messages stay.</summary>
    public Task StopAsync() => CommandAsync("stop");

    /// <summary>Listens again on the same port, with everything stored before the stop.</summary>
    public Task StartAsync() => CommandAsync("start");

    private async Task CommandAsync(string command)
    {
        await _commands.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
            var answer = await _process.StandardOutput.ReadLineAsync().WaitAsync(AnswerTimeout);
            if (answer != "ok")
                throw new InvalidOperationException($"The test broker answered '{command}' with: {answer ?? "(it ended)"}");
        }
        finally
        {
            _commands.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await _process.StandardInput.WriteLineAsync("exit");
                await _process.StandardInput.FlushAsync();
            }
            catch (IOException)
            {
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        _commands.Dispose();
    }
}
