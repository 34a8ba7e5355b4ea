using Azure.Core;
using Azure.Core.Pipeline;

namespace Campaigns.Functions.Storage;

/// <summary>
/// Counts every HTTP request the app sends to Azure Storage (tables, queues and blobs), retries included: what a
/// pay-per-use tenant is billed for as transactions. An Azure SDK pipeline policy, added to every storage client.
/// </summary>
internal sealed class StorageRequestCounter : HttpPipelineSynchronousPolicy
{
    private long _requests;

    public long Requests => Interlocked.Read(ref _requests);

    public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _requests);
}
