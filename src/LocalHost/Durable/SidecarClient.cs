using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Query;

namespace Campaigns.LocalHost.Durable;

/// <summary>
/// The client side of the task hub as the sidecar sees it, with the Durable Functions extension's rule for starting an
/// instance whose id is taken: a start that names no reuse policy is refused (gRPC AlreadyExists) while an instance
/// with that id is pending, running, continued-as-new or suspended, and replaces one that has ended (the extension's
/// default, <c>overridableExistingInstanceStates: NonRunningStates</c>). The sidecar alone would replace a running
/// instance, so a retried or duplicated start would restart it. Everything else goes to the provider unchanged.
/// </summary>
internal sealed class SidecarClient(AzureStorageOrchestrationService provider)
    : IOrchestrationServiceClient, IOrchestrationServicePurgeClient, IOrchestrationServiceQueryClient
{
    /// <summary>The statuses a plain start does not replace.</summary>
    public static readonly OrchestrationStatus[] NotReplaced =
        [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.ContinuedAsNew, OrchestrationStatus.Suspended];

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) =>
        provider.CreateTaskOrchestrationAsync(creationMessage, NotReplaced);

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[]? dedupeStatuses) =>
        provider.CreateTaskOrchestrationAsync(creationMessage, dedupeStatuses ?? NotReplaced);

    public Task SendTaskOrchestrationMessageAsync(TaskMessage message) => provider.SendTaskOrchestrationMessageAsync(message);

    public Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages) => provider.SendTaskOrchestrationMessageBatchAsync(messages);

    public Task<OrchestrationState?> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken) =>
        provider.WaitForOrchestrationAsync(instanceId, executionId, timeout, cancellationToken);

    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) => provider.ForceTerminateTaskOrchestrationAsync(instanceId, reason);

    public Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions) =>
        provider.GetOrchestrationStateAsync(instanceId, allExecutions);

    public Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string executionId) =>
        provider.GetOrchestrationStateAsync(instanceId, executionId);

    public Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId) => provider.GetOrchestrationHistoryAsync(instanceId, executionId);

    public Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) =>
        provider.PurgeOrchestrationHistoryAsync(thresholdDateTimeUtc, timeRangeFilterType);

    public Task<PurgeResult> PurgeInstanceStateAsync(string instanceId) => ((IOrchestrationServicePurgeClient)provider).PurgeInstanceStateAsync(instanceId);

    public Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter) =>
        ((IOrchestrationServicePurgeClient)provider).PurgeInstanceStateAsync(purgeInstanceFilter);

    public Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken) =>
        ((IOrchestrationServiceQueryClient)provider).GetOrchestrationWithQueryAsync(query, cancellationToken);
}
