using System.Buffers;
using System.Text;
using Campaigns.Domain.Prospects;
using Campaigns.Domain.Validation;
using Campaigns.Functions.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using NodaTime;

namespace Campaigns.Functions.Uploads;

/// <summary>Why an upload request was refused: the HTTP status and the field at fault.</summary>
internal sealed record UploadRefusal(int Status, FieldError Error);

/// <summary>
/// Receiving uploads and retrying failed ones. A file streams from the request into Blob Storage in 4 MiB blocks
/// (memory stays at one block whatever the size) and becomes visible, firing the split, only when the request has
/// been read to its end: the block list is committed last, with the account in its metadata. The header row is
/// checked from the first block, so a file that cannot be imported at all is a 400 at once, not a failed upload later.
/// </summary>
internal sealed class UploadCommands(UploadStore uploads, UploadBlobs blobs, UploadOptions options, TimeProvider time)
{
    private const int BlockBytes = 4 * 1024 * 1024;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>Reads a multipart request (<c>file</c>, optional <c>dedupe</c>) and stores the upload; or says why not.</summary>
    public async Task<(Upload? Upload, UploadRefusal? Refusal)> ReceiveAsync(HttpRequest request, ProspectList list, StoredCampaign campaign, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxBytes + 1024 * 1024; // room for the other parts; the file itself is counted below
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return Refuse(StatusCodes.Status415UnsupportedMediaType, "file", "send multipart/form-data with the CSV as the part named 'file' (curl -F \"file=@prospects.csv\")");
        }

        var id = Guid.NewGuid().ToString("D");
        var blob = blobs.File(id);
        var blocks = new List<string>();
        string? fileName = null;
        var dedupe = true;
        long bytes = 0;
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null, HeadersLengthLimit = 16 * 1024 };
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                var disposition = section.GetContentDispositionHeader();
                var name = disposition?.Name.Value?.Trim('"') ?? "";
                if (name == "file")
                {
                    if (fileName is not null)
                        return Refuse(StatusCodes.Status400BadRequest, "file", "send one file per upload");
                    fileName = disposition!.FileName.Value?.Trim('"') is { Length: > 0 } given ? Path.GetFileName(given) : "upload.csv";
                    var (written, refusal) = await StageAsync(blob, section.Body, blocks, cancellationToken);
                    if (refusal is not null)
                        return (null, refusal);
                    bytes = written;
                }
                else if (name == "dedupe")
                {
                    var text = (await new StreamReader(section.Body).ReadToEndAsync(cancellationToken)).Trim();
                    if (!TryParseFlag(text, out dedupe))
                        return Refuse(StatusCodes.Status400BadRequest, "dedupe", $"must be true or false (got '{(text.Length > 20 ? text[..20] + "..." : text)}')");
                }
                else
                {
                    await section.Body.CopyToAsync(Stream.Null, cancellationToken); // other fields are ignored
                }
            }
        }
        catch (BadHttpRequestException bad)
        {
            return Refuse(bad.StatusCode, "file", bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"must be at most {options.MaxBytes} bytes ({options.MaxBytes / (1024 * 1024)} MiB)"
                : "the request body could not be read");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return Refuse(StatusCodes.Status400BadRequest, "file", "the multipart body could not be read (" + ex.Message + ")");
        }
        if (fileName is null)
            return Refuse(StatusCodes.Status400BadRequest, "file", "is required: the CSV file as the multipart part named 'file'");

        var upload = new Upload(list.AccountId, id, list.Id, list.Slug, list.CampaignId, campaign.ContactShards, fileName, bytes, dedupe, Now,
            UploadStatus.Pending, null, false, 0, 0, 0, 0, ListCounts.Zero, null, null, default);
        await uploads.CreateAsync(upload, cancellationToken);
        // Last: committing the block list makes the blob visible, which fires the split.
        await blob.CommitBlockListAsync(blocks, new Azure.Storage.Blobs.Models.CommitBlockListOptions
        {
            Metadata = new Dictionary<string, string> { ["account"] = list.AccountId, ["list"] = list.Id },
            HttpHeaders = new Azure.Storage.Blobs.Models.BlobHttpHeaders { ContentType = "text/csv" },
        }, cancellationToken);
        return (upload, null);
    }

    /// <summary>Stages the file part as blocks; checks the header row from the first block.</summary>
    private async Task<(long Bytes, UploadRefusal? Refusal)> StageAsync(Azure.Storage.Blobs.Specialized.BlockBlobClient blob, Stream body, List<string> blocks, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
        try
        {
            long total = 0;
            while (true)
            {
                var filled = 0;
                int read;
                while (filled < BlockBytes && (read = await body.ReadAsync(buffer.AsMemory(filled, BlockBytes - filled), cancellationToken)) > 0)
                    filled += read;
                if (filled == 0)
                    break;
                total += filled;
                if (total > options.MaxBytes)
                    return (total, new UploadRefusal(StatusCodes.Status413PayloadTooLarge, new FieldError("file", $"must be at most {options.MaxBytes} bytes ({options.MaxBytes / (1024 * 1024)} MiB)")));
                if (blocks.Count == 0 && HeaderProblem(buffer.AsSpan(0, filled)) is { } problem)
                    return (total, new UploadRefusal(StatusCodes.Status400BadRequest, new FieldError("file", problem)));
                var blockId = Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{blocks.Count:D6}"));
                using (var content = new MemoryStream(buffer, 0, filled, writable: false))
                    await blob.StageBlockAsync(blockId, content, cancellationToken: cancellationToken);
                blocks.Add(blockId);
                if (filled < BlockBytes)
                    break;
            }
            return total == 0
                ? (0, new UploadRefusal(StatusCodes.Status400BadRequest, new FieldError("file", "is empty: a CSV needs a header row and prospect rows")))
                : (total, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>What is wrong with the header row at the start of the file, if anything.</summary>
    private static string? HeaderProblem(ReadOnlySpan<byte> start)
    {
        using var reader = new StreamReader(new MemoryStream(start.ToArray()), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        var header = new CsvRecords(reader).Next();
        return header is null ? "is empty: a CSV needs a header row and prospect rows" : ProspectHeader.Problem(header.Cells);
    }

    /// <summary>
    /// Redoes what failed: the failed batches (set pending and queued again; rows they had imported are recognised and
    /// not imported twice), or the split when the split itself failed. Null when the upload is not failed.
    /// </summary>
    public async Task<int?> RetryAsync(Upload upload, CancellationToken cancellationToken)
    {
        if (upload.Status != UploadStatus.Failed)
            return null;
        if (!upload.SplitDone)
        {
            await uploads.UpdateAsync(upload.AccountId, upload.Id, u => u with { Error = null, Status = UploadStatus.Pending }, Now, cancellationToken);
            await blobs.SendBatchAsync(new BatchMessage(upload.AccountId, upload.Id, BatchMessage.Split), cancellationToken);
            return 0;
        }
        var reopened = await uploads.ReopenFailedBatchesAsync(upload.AccountId, upload.Id, Now, cancellationToken);
        foreach (var batch in reopened)
            await blobs.SendBatchAsync(new BatchMessage(upload.AccountId, upload.Id, batch), cancellationToken);
        return reopened.Count;
    }

    private static bool TryParseFlag(string text, out bool value)
    {
        switch (text.ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on": value = true; return true;
            case "false" or "0" or "no" or "off": value = false; return true;
            default: value = true; return false;
        }
    }

    private static (Upload?, UploadRefusal?) Refuse(int status, string field, string message) => (null, new UploadRefusal(status, new FieldError(field, message)));
}
