using System.Net;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Retention;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Uploads;
using NodaTime;

namespace Campaigns.Functions.Tests.Retention;

/// <summary>
/// Upload files 7 days after their uploads finished: a completed upload's CSV goes, a failed one's CSV and batch files go
/// (and a retry then answers that it expired), an upload being retried (processing) keeps its files. The uploads are
/// noted as the relay notes them, from their <c>upload.completed</c> / <c>upload.failed</c> events.
/// </summary>
[Collection(RetentionCollection.Name)]
public sealed class When_retention_runs_finished_upload_files_go(RetentionFixture app)
{
    [Fact]
    public async Task Finished_uploads_lose_their_files_and_one_in_progress_keeps_them()
    {
        var (client, key) = await app.NewAccountAsync();
        var account = await app.AccountOfAsync(key);
        var now = Instant.FromDateTimeOffset(app.Clock.GetUtcNow());
        var completed = await UploadAsync(account, UploadStatus.Completed, now, batchFile: false);
        var failed = await UploadAsync(account, UploadStatus.Failed, now, batchFile: true);
        var retried = await UploadAsync(account, UploadStatus.Processing, null, batchFile: true); // failed, noted, then retried
        await app.Service<RetentionIndex>().EventsAppendingAsync(
            [.. new[] { completed, failed, retried }.Select(u => OutboxEvent.UploadFinished(u, now))], CancellationToken.None);

        app.AdvanceDays(6);
        await app.RunRetentionAsync();
        Assert.Equal((true, false), await FilesAsync(completed));
        Assert.Equal((true, true), await FilesAsync(failed));
        Assert.Equal((true, true), await FilesAsync(retried));

        app.AdvanceDays(2); // 8 days since the two finished
        await app.RunRetentionAsync();
        Assert.Equal((false, false), await FilesAsync(completed));
        Assert.Equal((false, false), await FilesAsync(failed));
        Assert.Equal((true, true), await FilesAsync(retried));
        var index = await app.IndexAsync();
        Assert.DoesNotContain(index, i => i.Target == completed.Id || i.Target == failed.Id);
        Assert.Single(index, i => i.Kind == RetentionKinds.Upload && i.Target == retried.Id);

        var retry = await client.PostAsync($"/api/v/upload/{failed.Id}/retry/", null);
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        Assert.Contains("expired", await retry.Content.ReadAsStringAsync());
    }

    private async Task<Upload> UploadAsync(string account, string status, Instant? finishedAt, bool batchFile)
    {
        var id = Guid.NewGuid().ToString("D");
        var done = status == UploadStatus.Completed;
        var upload = new Upload(account, id, "list_retention", "retention-list", "cmp_retention", 1, "prospects.csv", 64, true,
            Instant.FromDateTimeOffset(app.Clock.GetUtcNow()), status, ["primary_phone"], SplitDone: true, Batches: 1, BatchesDone: done ? 1 : 0,
            BatchesFailed: status == UploadStatus.Failed ? 1 : 0, LastLine: 2, ListCounts.Zero, null, finishedAt, default);
        await app.Service<UploadStore>().CreateAsync(upload, CancellationToken.None);
        var blobs = app.Service<UploadBlobs>();
        await blobs.File(id).UploadAsync(BinaryData.FromString("primary_phone\n+12125550100\n").ToStream());
        if (batchFile)
            await blobs.Batch(id, 0).UploadAsync(BinaryData.FromString("{}\n"));
        return upload;
    }

    private async Task<(bool File, bool Batch)> FilesAsync(Upload upload)
    {
        var blobs = app.Service<UploadBlobs>();
        return ((await blobs.File(upload.Id).ExistsAsync()).Value, (await blobs.Batch(upload.Id, 0).ExistsAsync()).Value);
    }
}
