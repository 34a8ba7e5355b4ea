using Campaigns.Functions.Engine;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Campaigns.Functions.Uploads;

/// <summary>The upload pipeline's functions: the split of a committed CSV (blob trigger) and the import of each batch (queue).</summary>
/// <remarks>Public, services from the invocation's container: see <see cref="Campaigns.Functions.Http.ApiFunctions"/>.</remarks>
public sealed class UploadFunctions(IServiceProvider services)
{
    private UploadSplitter Splitter => services.GetRequiredService<UploadSplitter>();
    private BatchImporter Importer => services.GetRequiredService<BatchImporter>();

    /// <summary>
    /// Idempotent: a split run again writes the same batches and queues only those still pending. The blob's content is
    /// not bound: the splitter streams it from storage (a file may be 100 MiB), so only its name is read.
    /// </summary>
    /// <remarks>
    /// The trigger's source is Event Grid: Flex Consumption runs no polling blob trigger, so the storage account's
    /// BlobCreated events reach the blobs extension's webhook (infra/modules/uploads-events.bicep and
    /// infra/hooks/postdeploy.sh). The local host has no Event Grid and scans the container instead (README, "Uploads").
    /// </remarks>
    [Function("UploadSplit")]
    public async Task UploadSplit(
        [BlobTrigger("%QueuePrefix%" + UploadBlobs.FilesContainer + "/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")]
        Azure.Storage.Blobs.BlobClient blob,
        string name, CancellationToken cancellationToken)
    {
        if (UploadBlobs.UploadIdOf(name) is { } uploadId)
            await Splitter.SplitAsync(uploadId, cancellationToken);
    }

    /// <summary>Idempotent: a batch ends once (with the upload's summary, in one transaction); a redelivery finds it ended.</summary>
    [Function("UploadBatch")]
    public async Task UploadBatch([QueueTrigger("%QueuePrefix%" + UploadBlobs.BatchQueue)] string message, FunctionContext context, CancellationToken cancellationToken)
    {
        var batch = EngineQueues.Parse<BatchMessage>(message);
        var deliveries = context.BindingContext.BindingData.TryGetValue("DequeueCount", out var count)
            && long.TryParse(count?.ToString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1;
        if (batch.Batch == BatchMessage.Split)
            await Splitter.SplitAsync(batch.Upload, cancellationToken);
        else
            await Importer.HandleAsync(batch, deliveries, cancellationToken);
    }
}
