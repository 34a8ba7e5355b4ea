using Azure.Data.Tables;

namespace Campaigns.Functions.Tests.Infrastructure;

/// <summary>
/// Reads the app's Durable task hub as the Azure Storage provider keeps it: one row per orchestration instance in the
/// hub's <c>Instances</c> table (partition key = instance id), with its runtime status. Read-only: the test looks at
/// what the task hub itself wrote, not at what the app says about it.
/// </summary>
internal static class TaskHubRows
{
    /// <summary>The runtime status of an instance (Running, Completed, Terminated...), or null when there is none (never started, or purged).</summary>
    public static async Task<string?> StatusAsync(AppFixture app, string instanceId)
    {
        var table = new TableClient(app.StorageConnectionString, app.Prefix + "Instances");
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId))
            return row.GetString("RuntimeStatus");
        return null;
    }
}
