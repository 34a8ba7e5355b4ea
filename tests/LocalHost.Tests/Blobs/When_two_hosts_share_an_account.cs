using Azure.Storage.Blobs;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;
using Campaigns.LocalHost.Triggers.Blobs;

namespace Campaigns.LocalHost.Tests.Blobs;

/// <summary>
/// Two hosts of the same app (same host id) watch one container on one account: thanks to the receipts in
/// azure-webjobs-hosts, created with If-None-Match, each blob is processed by exactly one of them, once; and a host
/// started later (a restart) does not process them again.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_two_hosts_share_an_account(StorageFixture storage, ITestOutputHelper output)
{
    private const int BlobCount = 6;

    [Fact]
    public async Task Each_blob_is_processed_once_also_after_a_restart()
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var hostId = "test-blobs-" + id;
        var settingsA = SampleApp.SettingsFor(id);
        var settingsB = SampleApp.SettingsFor(id);
        settingsB["SampleHostName"] = "b";
        var a = await SampleApp.StartAsync(storage, output, settingsA, hostId, "A ");
        await using var b = await SampleApp.StartAsync(storage, output, settingsB, hostId, "B ");
        var container = new BlobContainerClient(storage.ConnectionString, settingsA["UploadsContainer"]);
        await container.CreateIfNotExistsAsync();

        for (var i = 0; i < BlobCount; i++)
            await container.UploadBlobAsync($"upload-{i}.csv", BinaryData.FromString($"row {i}"));
        await Eventually.UntilAsync(() => a.RecordsAsync("blob"), r => r.Count >= BlobCount, "every blob was processed");
        await AfterTwoMoreScansAsync(a, b);

        var records = await a.RecordsAsync("blob");
        Assert.Equal(BlobCount, records.Count);
        Assert.Equal(BlobCount, records.Select(r => r["name"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal("row 3", records.Single(r => r["name"]!.GetValue<string>() == "upload-3.csv")["content"]!.GetValue<string>());
        output.WriteLine("processed by: " + string.Join(",", records.Select(r => r["host"]!.GetValue<string>())));

        await a.DisposeAsync();
        var settingsC = SampleApp.SettingsFor(id);
        settingsC["SampleHostName"] = "c";
        await using var c = await SampleApp.StartAsync(storage, output, settingsC, hostId, "C ");
        await AfterTwoMoreScansAsync(c);
        Assert.Equal(BlobCount, (await c.RecordsAsync("blob")).Count);
    }

    /// <summary>Waits until each host has finished two more full scans of the container: any duplicate would be made by then.</summary>
    private static async Task AfterTwoMoreScansAsync(params SampleApp[] hosts)
    {
        foreach (var host in hosts)
        {
            var listener = host.Host.Listeners.OfType<BlobTriggerListener>().Single(l => l.FunctionName == "Upload");
            var target = listener.CompletedScans + 2;
            await Eventually.UntilAsync(() => Task.FromResult(listener.CompletedScans), n => n >= target, "two more scans");
        }
    }
}
