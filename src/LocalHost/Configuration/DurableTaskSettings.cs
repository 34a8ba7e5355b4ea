using System.Text.Json.Nodes;

namespace Campaigns.LocalHost.Configuration;

/// <summary>
/// host.json <c>extensions.durableTask</c> as the Durable Functions extension reads it for the Azure Storage provider,
/// with that extension's defaults where the file is silent.
/// </summary>
/// <param name="HubName">The task hub: names its queues, tables and lease container (<c>%Setting%</c> resolved).</param>
/// <param name="ConnectionName">The storage connection's setting; AzureWebJobsStorage by default.</param>
/// <param name="PartitionCount">Control queues (1 to 16); fixed when the hub is created.</param>
/// <param name="MaxQueuePollingInterval">
/// The longest back-off between polls of an empty control or work-item queue: the latest a timer or an event can be
/// noticed on an idle app, and the main idle cost in storage transactions.
/// </param>
/// <param name="ControlQueueBatchSize">Messages one control-queue read takes.</param>
/// <param name="MaxConcurrentOrchestratorFunctions">Orchestrator invocations in flight on this host.</param>
/// <param name="MaxConcurrentActivityFunctions">Activity invocations in flight on this host.</param>
/// <param name="ControlQueueVisibilityTimeout">
/// How long a control-queue message taken by a host stays invisible (renewed while it is being processed): after a
/// crash, how long the orchestrations of that message wait before another host takes it.
/// </param>
/// <param name="WorkItemQueueVisibilityTimeout">The same for an activity's work item (renewed while the activity runs).</param>
public sealed record DurableTaskSettings(
    string HubName,
    string ConnectionName,
    int PartitionCount,
    TimeSpan MaxQueuePollingInterval,
    int ControlQueueBatchSize,
    int MaxConcurrentOrchestratorFunctions,
    int MaxConcurrentActivityFunctions,
    TimeSpan ControlQueueVisibilityTimeout,
    TimeSpan WorkItemQueueVisibilityTimeout)
{
    /// <summary>The extension's defaults (hub "TestHubName" as under <c>func start</c>; 10 per core for concurrency).</summary>
    public static DurableTaskSettings Default { get; } = new(
        "TestHubName", "AzureWebJobsStorage", 4, TimeSpan.FromSeconds(30), 32, 10 * Environment.ProcessorCount, 10 * Environment.ProcessorCount,
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));

    internal static DurableTaskSettings From(JsonNode? durable)
    {
        if (durable is null)
            return Default;
        var provider = durable["storageProvider"];
        return new DurableTaskSettings(
            durable["hubName"]?.GetValue<string>() ?? Default.HubName,
            provider?["connectionName"]?.GetValue<string>() ?? provider?["connectionStringName"]?.GetValue<string>() ?? Default.ConnectionName,
            Math.Clamp(provider?["partitionCount"]?.GetValue<int>() ?? Default.PartitionCount, 1, 16),
            provider?["maxQueuePollingInterval"]?.GetValue<string>() is { } polling ? HostJson.ParseTimeSpan(polling) : Default.MaxQueuePollingInterval,
            Math.Max(1, provider?["controlQueueBatchSize"]?.GetValue<int>() ?? Default.ControlQueueBatchSize),
            Math.Max(1, durable["maxConcurrentOrchestratorFunctions"]?.GetValue<int>() ?? Default.MaxConcurrentOrchestratorFunctions),
            Math.Max(1, durable["maxConcurrentActivityFunctions"]?.GetValue<int>() ?? Default.MaxConcurrentActivityFunctions),
            provider?["controlQueueVisibilityTimeout"]?.GetValue<string>() is { } control ? HostJson.ParseTimeSpan(control) : Default.ControlQueueVisibilityTimeout,
            provider?["workItemQueueVisibilityTimeout"]?.GetValue<string>() is { } workItems ? HostJson.ParseTimeSpan(workItems) : Default.WorkItemQueueVisibilityTimeout);
    }
}
