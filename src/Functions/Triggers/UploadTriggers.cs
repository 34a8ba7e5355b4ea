using System.Text.Json;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Uploads;

namespace Campaigns.Functions.Triggers;

/// <summary>The upload pipeline's functions: <c>UploadSplit</c> (blob trigger on <c>uploads</c>) and <c>UploadBatch</c> (queue).</summary>
internal static class UploadTriggers
{
    public static void MapUploadTriggers(this RouteGroupBuilder triggers)
    {
        // Idempotent: a split run again writes the same batches and queues only those still pending.
        triggers.MapPost("/UploadSplit", async (HttpRequest request, UploadSplitter splitter, CancellationToken ct) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            var name = document.RootElement.GetProperty("Metadata").GetProperty("name").GetString() ?? "";
            if (UploadBlobs.UploadIdOf(name) is { } uploadId)
                await splitter.SplitAsync(uploadId, ct);
            return Done();
        });

        // Idempotent: a batch ends once (with the upload's summary, in one transaction); a redelivery finds it ended.
        triggers.MapPost("/UploadBatch", async (HttpRequest request, BatchImporter importer, UploadSplitter splitter, CancellationToken ct) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            var data = document.RootElement.GetProperty("Data").GetProperty("message");
            var message = EngineQueues.Parse<BatchMessage>(data.ValueKind == JsonValueKind.String ? data.GetString()! : data.GetRawText());
            var deliveries = document.RootElement.TryGetProperty("Metadata", out var metadata) && metadata.TryGetProperty("DequeueCount", out var count)
                && count.TryGetInt64(out var n) ? n : 1;
            if (message.Batch == BatchMessage.Split)
                await splitter.SplitAsync(message.Upload, ct);
            else
                await importer.HandleAsync(message, deliveries, ct);
            return Done();
        });
    }

    private static IResult Done() =>
        Results.Json(new Dictionary<string, object?> { ["Outputs"] = new Dictionary<string, object>(), ["Logs"] = Array.Empty<string>(), ["ReturnValue"] = null });
}
