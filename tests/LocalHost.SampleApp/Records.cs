using System.Text.Json;
using Azure.Storage.Blobs;

namespace Campaigns.LocalHost.SampleApp;

/// <summary>
/// What the functions saw, written as small JSON blobs (<c>{kind}/{key}/{n}</c>) in the container named by the setting
/// <c>RecordsContainer</c>, so a test in another process can check it against Azurite.
/// </summary>
public sealed class Records
{
    private readonly BlobContainerClient _container = new(
        Environment.GetEnvironmentVariable("AzureWebJobsStorage"),
        Environment.GetEnvironmentVariable("RecordsContainer") ?? "records");

    public async Task WriteAsync(string kind, string key, object seen)
    {
        await _container.CreateIfNotExistsAsync();
        var name = $"{kind}/{key}/{DateTime.UtcNow:yyyyMMddHHmmssfffffff}-{Guid.NewGuid():N}";
        await _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(JsonSerializer.Serialize(seen)));
    }
}
