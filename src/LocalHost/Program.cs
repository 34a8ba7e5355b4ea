using System.Runtime.InteropServices;
using Campaigns.LocalHost;

// The local Functions host as a program: `Campaigns.LocalHost [--app DIR] [--port N]`. The app directory defaults to
// the current one, the port to $PORT or 7071; AzureWebJobsStorage and other settings come from the environment and
// the app's local.settings.json. Ctrl-C or SIGTERM stops it gracefully.
var appDirectory = Directory.GetCurrentDirectory();
var port = int.TryParse(Environment.GetEnvironmentVariable("PORT"), out var fromEnvironment) ? fromEnvironment : 7071;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--app":
            appDirectory = Path.GetFullPath(args[i + 1]);
            break;
        case "--port":
            port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}. Usage: Campaigns.LocalHost [--app DIR] [--port N]");
            return 2;
    }
}

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true; // stop gracefully instead of the runtime's immediate exit
    stop.Cancel();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var spans = Campaigns.LocalHost.Invocation.HostTelemetry.Listen(); // every invocation gets the host's span (its trace id is logged)
await using var host = new FunctionsHost(new FunctionsHostOptions { AppDirectory = appDirectory, Port = port });
await host.RunAsync(stop.Token);
return 0;
