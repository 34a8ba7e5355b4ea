using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Campaigns.LocalHost.Triggers.Blobs;

/// <summary>A blob version this host has claimed: the receipt to settle, and which try this is (1 = first).</summary>
internal sealed record BlobClaim(BlobClient Receipt, ETag ReceiptETag, int Tries);

/// <summary>
/// Blob receipts, as the Functions host keeps them so that a blob (at one ETag) is processed once across restarts and
/// across hosts sharing an account: before a function sees a blob, the host creates a receipt blob with
/// If-None-Match: * — only one host can — marked "processing"; afterwards it marks it "completed", "failed" (to be
/// retried) or "poisoned". A failed receipt, or one left "processing" longer than <paramref name="staleAfter"/> by a
/// host that died, is taken over with If-Match on the receipt's ETag, so again only one host wins. Moved here from the
/// Functions app's old LocalTriggerHost, which links this file until it is deleted.
/// </summary>
internal sealed class BlobReceipts(BlobContainerClient hostContainer, TimeSpan staleAfter, TimeProvider time)
{
    private const string Status = "status";
    private const string TriesKey = "tries";

    /// <summary>The receipt's name: host id, function, the blob's ETag and its path, as the Functions host lays them out.</summary>
    public BlobClient ReceiptFor(string hostId, string functionName, ETag? blobETag, string container, string blobName) =>
        hostContainer.GetBlobClient($"blobreceipts/{hostId}/{functionName}/{blobETag?.ToString().Trim('"')}/{container}/{blobName}");

    /// <summary>Claims the blob for this host, or returns null when it is done, poisoned, or another host has it.</summary>
    public async Task<BlobClaim?> TryClaimAsync(BlobClient receipt, CancellationToken cancellationToken)
    {
        try
        {
            var existing = (await receipt.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            var status = existing.Metadata.TryGetValue(Status, out var s) ? s : "processing";
            var tries = (existing.Metadata.TryGetValue(TriesKey, out var t) ? int.Parse(t, CultureInfo.InvariantCulture) : 0) + 1;
            var abandoned = status == "processing" && existing.LastModified < time.GetUtcNow() - staleAfter;
            if (status != "failed" && !abandoned)
                return null;
            var taken = await receipt.SetMetadataAsync(Receipt("processing", tries), new BlobRequestConditions { IfMatch = existing.ETag }, cancellationToken);
            return new BlobClaim(receipt, taken.Value.ETag, tries);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            try
            {
                var created = await receipt.UploadAsync(BinaryData.FromString(""), new BlobUploadOptions
                {
                    Metadata = Receipt("processing", 1),
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                }, cancellationToken);
                return new BlobClaim(receipt, created.Value.ETag, 1);
            }
            catch (RequestFailedException conflict) when (conflict.Status is 409 or 412)
            {
                return null; // another host created it first
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return null; // another host took it over first
        }
    }

    /// <summary>Records how the try ended: "completed", "failed" or "poisoned".</summary>
    public Task SettleAsync(BlobClaim claim, string status, CancellationToken cancellationToken) =>
        claim.Receipt.SetMetadataAsync(Receipt(status, claim.Tries), new BlobRequestConditions { IfMatch = claim.ReceiptETag }, cancellationToken);

    private static Dictionary<string, string> Receipt(string status, int tries) =>
        new() { [Status] = status, [TriesKey] = tries.ToString(CultureInfo.InvariantCulture) };
}
