using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Queues;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Uploads;

/// <summary>Settings of CSV uploads (section <c>Uploads</c>).</summary>
internal sealed class UploadOptions
{
    /// <summary>
    /// Largest file accepted, in bytes. 100 MiB by default: the Azure Functions front end refuses larger HTTP bodies,
    /// and 100 MiB is well over a million prospect rows.
    /// </summary>
    public long MaxBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Rows per batch: a batch is the rows of one contact shard, imported by one queue message.</summary>
    public int BatchRows { get; set; } = 1000;

    /// <summary>
    /// Batches one instance imports at once (<c>Uploads__ImportsInFlight</c>); the others its queue trigger has taken wait
    /// their turn. Each import has up to 8 storage requests in flight already, so on an instance of one or two cores
    /// more batches side by side only hold more memory at once (the host takes up to 24 messages).
    /// </summary>
    public int ImportsInFlight { get; set; } = 4;
}

/// <summary>
/// The upload pipeline's Blob Storage and queue: container <c>uploads</c> holds each file as sent
/// (<c>{uuid}.csv</c>, metadata <c>account</c>), whose arrival fires the <c>UploadSplit</c> blob trigger; container
/// <c>upload-batches</c> holds the batches (<c>{uuid}/{batch:000000}.ndjson</c>); queue <c>upload-batches</c> carries one
/// message per batch to <c>UploadBatch</c>. Names take the engine's queue prefix, as the engine's queues do.
/// </summary>
internal sealed class UploadBlobs
{
    public const string FilesContainer = "uploads";
    public const string BatchesContainer = "upload-batches";
    public const string BatchQueue = "upload-batches";
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    public UploadBlobs(StorageOptions storage, EngineOptions engine, StorageRequestCounter counter)
    {
        var service = storage.Connection.Blobs(storage.Apply(new BlobClientOptions(), counter, minimumTimeoutSeconds: 60));
        Files = service.GetBlobContainerClient(engine.QueuePrefix + FilesContainer);
        Batches = service.GetBlobContainerClient(engine.QueuePrefix + BatchesContainer);
        var queueOptions = storage.Apply(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, counter);
        Queue = storage.Connection.Queues(queueOptions).GetQueueClient(engine.QueuePrefix + BatchQueue);
    }

    public BlobContainerClient Files { get; }
    public BlobContainerClient Batches { get; }
    public QueueClient Queue { get; }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await Files.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Batches.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    public static string FileName(string uploadId) => uploadId + ".csv";

    public static string? UploadIdOf(string blobName) =>
        blobName.EndsWith(".csv", StringComparison.Ordinal) && Guid.TryParseExact(blobName[..^4], "D", out var id) ? id.ToString("D") : null;

    public BlockBlobClient File(string uploadId) => Files.GetBlockBlobClient(FileName(uploadId));

    public BlobClient Batch(string uploadId, int number) => Batches.GetBlobClient($"{uploadId}/{number:D6}.ndjson");

    public Task SendBatchAsync(BatchMessage message, CancellationToken cancellationToken) =>
        Queue.SendMessageAsync(System.Text.Json.JsonSerializer.Serialize(message, Json), cancellationToken: cancellationToken);

    /// <summary>Deletes an upload's batch blobs (after it completed, they are not needed again).</summary>
    public async Task DeleteBatchesAsync(string uploadId, CancellationToken cancellationToken)
    {
        await foreach (var blob in Batches.GetBlobsAsync(BlobTraits.None, BlobStates.None, uploadId + "/", cancellationToken))
            await Batches.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
    }
}

/// <summary>One batch of an upload to import (<see cref="Batch"/> = <see cref="Split"/>: split the file again, after a failed split).</summary>
internal sealed record BatchMessage(string Account, string Upload, int Batch)
{
    public const int Split = -1;
}
