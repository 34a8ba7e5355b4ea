using Campaigns.LocalHost.Configuration;
using Campaigns.LocalHost.Invocation;
using Campaigns.LocalHost.Worker;

namespace Campaigns.LocalHost.Triggers;

/// <summary>Drives one non-HTTP function from its trigger's source (a queue, a container, a schedule) until stopped.</summary>
public interface ITriggerListener
{
    string FunctionName { get; }

    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled; then takes no new work (the dispatcher drains).</summary>
    Task RunAsync(CancellationToken stoppingToken);
}

/// <summary>What every listener may use: settings for binding expressions and connections, host.json, the dispatcher.</summary>
public sealed record TriggerContext(AppSettings Settings, HostJson HostJson, InvocationDispatcher Dispatcher, string HostId, TimeProvider Time, ILoggerFactory Loggers,
    StorageRequestTally? StorageRequests = null);

/// <summary>
/// Makes the listener for a trigger type. The host asks each provider in turn; the first that knows the binding wins.
/// This is where later triggers plug in (Durable Functions' orchestration, activity and entity triggers).
/// </summary>
public interface ITriggerListenerProvider
{
    ITriggerListener? TryCreate(FunctionDescriptor function, TriggerContext context);
}
