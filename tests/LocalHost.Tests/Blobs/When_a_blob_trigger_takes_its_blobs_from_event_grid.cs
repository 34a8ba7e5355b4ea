using Azure.Storage.Blobs;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;
using Campaigns.LocalHost.Triggers.Blobs;

namespace Campaigns.LocalHost.Tests.Blobs;

/// <summary>
/// A blob trigger declared with the Event Grid source (as Flex Consumption needs it) still runs locally: Azurite has no
/// Event Grid, so the local host scans its container as it does for the default source, and each new blob reaches the
/// function once, with its name and path.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_a_blob_trigger_takes_its_blobs_from_event_grid(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task Its_container_is_scanned_and_each_new_blob_is_processed_once()
    {
        await using var app = await SampleApp.StartAsync(storage, output);
        var listener = app.Host.Listeners.OfType<BlobTriggerListener>().Single(l => l.FunctionName == "UploadByEvent");
        Assert.Equal(BlobTriggerListener.EventGridSource, listener.Source);
        Assert.Equal(BlobTriggerListener.ScanSource, app.Host.Listeners.OfType<BlobTriggerListener>().Single(l => l.FunctionName == "Upload").Source);
        var container = new BlobContainerClient(storage.ConnectionString, app.Settings["EventUploadsContainer"]);
        await container.CreateIfNotExistsAsync();

        await container.UploadBlobAsync("first.csv", BinaryData.FromString("a,b"));
        await container.UploadBlobAsync("second.csv", BinaryData.FromString("c,d"));

        await Eventually.UntilAsync(() => app.RecordsAsync("eventblob"), r => r.Count >= 2, "both blobs were processed");
        var scans = listener.CompletedScans;
        await Eventually.UntilAsync(() => Task.FromResult(listener.CompletedScans), n => n >= scans + 2, "two more scans");
        var records = await app.RecordsAsync("eventblob");
        Assert.Equal(["first.csv", "second.csv"], records.Select(r => r["name"]!.GetValue<string>()).Order());
        Assert.Equal($"{container.Name}/second.csv", records.Single(r => r["name"]!.GetValue<string>() == "second.csv")["trigger"]!.GetValue<string>());
        Assert.Contains(app.Logs.Entries, e => e.EventId == 8005 && e.Message.Contains("EventGrid", StringComparison.Ordinal));
    }
}
