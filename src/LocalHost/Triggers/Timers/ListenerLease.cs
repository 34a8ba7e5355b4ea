using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace Campaigns.LocalHost.Triggers.Timers;

/// <summary>
/// The Functions host runs a timer on one host at a time, however many share the app: each takes a blob lease on
/// <c>azure-webjobs-hosts/locks/{hostId}/Host.Functions.{name}.Listener</c> before it listens, renews it while it
/// does, and lets it go when it stops, so another host takes over (at once, or when a dead host's lease expires).
/// </summary>
internal sealed partial class ListenerLease : IAsyncDisposable
{
    /// <summary>Azure's shortest lease: a dead host's timer moves to another host within this.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    private readonly BlobLeaseClient _lease;
    private readonly TimeProvider _time;

    private ListenerLease(BlobLeaseClient lease, TimeProvider time)
    {
        _lease = lease;
        _time = time;
    }

    public static BlobClient LockBlob(BlobContainerClient hostContainer, string hostId, string functionName) =>
        hostContainer.GetBlobClient($"locks/{hostId}/{ScheduleStatusStore.TimerName(functionName)}.Listener");

    /// <summary>Waits until this host holds the lease (polling a third of its duration apart while another host has it).</summary>
    public static async Task<ListenerLease> AcquireAsync(BlobClient lockBlob, TimeProvider time, CancellationToken cancellationToken)
    {
        await lockBlob.GetParentBlobContainerClient().CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        try
        {
            await lockBlob.UploadAsync(BinaryData.FromString(""), new Azure.Storage.Blobs.Models.BlobUploadOptions
            {
                Conditions = new Azure.Storage.Blobs.Models.BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // exists already (and may be leased): that is the normal case
        }
        var lease = lockBlob.GetBlobLeaseClient(Guid.NewGuid().ToString());
        while (true)
        {
            try
            {
                await lease.AcquireAsync(Duration, cancellationToken: cancellationToken);
                return new ListenerLease(lease, time);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                await Task.Delay(Duration / 3, time, cancellationToken); // another host runs this timer
            }
        }
    }

    /// <summary>Renews until the lease is lost or <paramref name="cancellationToken"/> is cancelled; returns when lost.</summary>
    public async Task KeepAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(Duration / 3, _time, cancellationToken);
            try
            {
                await _lease.RenewAsync(cancellationToken: cancellationToken);
            }
            catch (RequestFailedException)
            {
                return; // taken over (we were too slow) or the lock blob is gone
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _lease.ReleaseAsync();
        }
        catch (RequestFailedException)
        {
            // already lost
        }
    }
}
