using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;

namespace Campaigns.LocalHost.Triggers.Timers;

/// <summary>A timer's last and next occurrence, as the Functions host records it between runs.</summary>
public sealed record ScheduleStatus(DateTime Last, DateTime Next, DateTime LastUpdated);

/// <summary>
/// Keeps each timer's <see cref="ScheduleStatus"/> where the Functions host keeps it: the blob
/// <c>azure-webjobs-hosts/timers/{hostId}/{timerName}/status</c>, so a restarted host knows a run was missed
/// (past due) and the real host and this one read each other's records.
/// </summary>
public sealed class ScheduleStatusStore(BlobContainerClient hostContainer, string hostId)
{
    public const string HostContainerName = "azure-webjobs-hosts";

    /// <summary>The host names a function's timer "Host.Functions.{name}".</summary>
    public static string TimerName(string functionName) => $"Host.Functions.{functionName}";

    public BlobClient StatusBlob(string functionName) => hostContainer.GetBlobClient($"timers/{hostId}/{TimerName(functionName)}/status");

    public async Task<ScheduleStatus?> ReadAsync(string functionName, CancellationToken cancellationToken)
    {
        try
        {
            var content = await StatusBlob(functionName).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToObjectFromJson<ScheduleStatus>();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null; // never ran here
        }
    }

    /// <summary>Last writer wins, as in the Functions host: one host runs a timer at a time.</summary>
    public async Task WriteAsync(string functionName, ScheduleStatus status, CancellationToken cancellationToken)
    {
        await hostContainer.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await StatusBlob(functionName).UploadAsync(BinaryData.FromString(JsonSerializer.Serialize(status)), overwrite: true, cancellationToken);
    }
}
