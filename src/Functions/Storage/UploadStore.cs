using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>Where an upload is: stored and waiting for its split, being split or imported, or finished.</summary>
internal static class UploadStatus
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>
/// One CSV upload to a prospect list. <see cref="Batches"/> is known once the split is done; the upload is
/// finished when every batch is done or failed. <see cref="Counts"/> sums the finished batches.
/// </summary>
internal sealed record Upload(
    string AccountId, string Id, string ListId, string ListSlug, string CampaignId, int Shards, string FileName, long Bytes, bool Dedupe,
    Instant CreatedAt, string Status, IReadOnlyList<string>? Headers, bool SplitDone, int Batches, int BatchesDone, int BatchesFailed,
    int LastLine, ListCounts Counts, string? Error, Instant? FinishedAt, ETag ETag)
{
    /// <summary>The status that follows from the parts: failed as soon as everything ended and something failed.</summary>
    public string Derived => Error is not null && !SplitDone ? UploadStatus.Failed
        : !SplitDone ? Status
        : BatchesDone + BatchesFailed < Batches ? UploadStatus.Processing
        : BatchesFailed > 0 ? UploadStatus.Failed : UploadStatus.Completed;
}

/// <summary>One batch of an upload: the rows of one contact shard, up to <c>Uploads:BatchRows</c>.</summary>
internal sealed record UploadBatch(int Number, string Status, int Rows, ListCounts Counts, string? Error, ETag ETag);

/// <summary>A row of an upload that was not imported: invalid (with the column) or a dupe.</summary>
internal sealed record UploadProblem(int Line, string Field, string Reason);

/// <summary>
/// Uploads: table <c>uploads</c>.
/// <list type="bullet">
/// <item>PartitionKey <c>{account}~{uuid}</c>: the summary row <c>~upload</c> and one row per batch <c>b{n:000000}</c>.
///   A batch finishes in one transaction with the summary (its counts added once, exactly), so a redelivered batch
///   message finds it done and changes nothing.</item>
/// <item>PartitionKey <c>{account}~{uuid}~e{line / 10,000}</c>: one row per refused line (RowKey the line, 9 digits), so
///   the error report reads in line order, partition by partition, and no partition grows past 10,000 rows.</item>
/// <item>PartitionKey <c>{account}~list~{listId}</c>: one row per upload of the list (its history).</item>
/// </list>
/// </summary>
internal sealed class UploadStore(CampaignTables tables, IOutboxSignal outbox)
{
    private const string SummaryKey = "~upload";
    private const int LinesPerErrorPartition = 10_000;

    private static string Partition(string accountId, string uploadId) => $"{accountId}~{uploadId}";
    private static string BatchKey(int number) => $"b{number:D6}";
    private static string ErrorPartition(string accountId, string uploadId, int line) => $"{accountId}~{uploadId}~e{line / LinesPerErrorPartition:D5}";

    public async Task CreateAsync(Upload upload, CancellationToken cancellationToken)
    {
        await tables.Uploads.AddEntityAsync(new TableEntity($"{upload.AccountId}~list~{upload.ListId}", upload.Id), cancellationToken);
        await tables.Uploads.AddEntityAsync(ToEntity(upload), cancellationToken);
    }

    public async Task<Upload?> GetAsync(string accountId, string uploadId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(uploadId, "D", out var id))
            return null;
        var row = await tables.Uploads.GetEntityIfExistsAsync<TableEntity>(Partition(accountId, id.ToString("D")), SummaryKey, cancellationToken: cancellationToken);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    /// <summary>The uploads of a list, oldest first.</summary>
    public async Task<List<Upload>> OfListAsync(string accountId, string listId, CancellationToken cancellationToken)
    {
        var uploads = new List<Upload>();
        await foreach (var row in tables.Uploads.QueryAsync<TableEntity>(e => e.PartitionKey == $"{accountId}~list~{listId}", select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (await GetAsync(accountId, row.RowKey, cancellationToken) is { } upload)
                uploads.Add(upload);
        }
        return uploads.OrderBy(u => u.CreatedAt).ToList();
    }

    /// <summary>Changes the summary row by <paramref name="change"/>, under its ETag; a concurrent change is read again.</summary>
    public async Task<Upload> UpdateAsync(string accountId, string uploadId, Func<Upload, Upload> change, Instant now, CancellationToken cancellationToken)
    {
        for (var race = 0; ; race++)
        {
            var upload = await GetAsync(accountId, uploadId, cancellationToken) ?? throw new InvalidOperationException($"Upload {uploadId} is gone");
            var changed = Settle(change(upload), now);
            try
            {
                if (Finished(upload, changed, now) is not { } announced)
                {
                    var response = await tables.Uploads.UpdateEntityAsync(ToEntity(changed), upload.ETag, TableUpdateMode.Replace, cancellationToken);
                    return changed with { ETag = response.Headers.ETag ?? default };
                }
                var committed = await outbox.SubmitAsync(tables.Uploads, OutboxTable.Uploads,
                    [new(TableTransactionActionType.UpdateReplace, ToEntity(changed), upload.ETag), announced], cancellationToken);
                return changed with { ETag = committed.Value[0].Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && race < 100)
            {
                await Task.Delay(Random.Shared.Next(1, 10 + race), cancellationToken);
            }
        }
    }

    /// <summary>Creates a batch row (pending) unless it exists: a split run again after a crash finds its batches there.</summary>
    public async Task<bool> AddBatchAsync(string accountId, string uploadId, int number, int rows, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Uploads.AddEntityAsync(new TableEntity(Partition(accountId, uploadId), BatchKey(number))
            {
                ["Status"] = UploadStatus.Pending, ["Rows"] = rows,
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<UploadBatch?> GetBatchAsync(string accountId, string uploadId, int number, CancellationToken cancellationToken)
    {
        var row = await tables.Uploads.GetEntityIfExistsAsync<TableEntity>(Partition(accountId, uploadId), BatchKey(number), cancellationToken: cancellationToken);
        return row.HasValue ? BatchFrom(row.Value!) : null;
    }

    /// <summary>
    /// Ends a pending batch as <paramref name="status"/> (completed with its counts, or failed with why), in one
    /// transaction with the summary. False when the batch had ended already (a redelivered message): nothing changes.
    /// </summary>
    public async Task<bool> EndBatchAsync(string accountId, string uploadId, int number, string status, ListCounts counts, string? error, Instant now,
        CancellationToken cancellationToken, UploadBatch? read = null)
    {
        for (var race = 0; ; race++)
        {
            var batch = race == 0 && read is not null ? read : await GetBatchAsync(accountId, uploadId, number, cancellationToken);
            if (batch is not { Status: UploadStatus.Pending })
                return false;
            var upload = await GetAsync(accountId, uploadId, cancellationToken) ?? throw new InvalidOperationException($"Upload {uploadId} is gone");
            var changed = Settle(status == UploadStatus.Completed
                ? upload with { BatchesDone = upload.BatchesDone + 1, Counts = upload.Counts.Plus(counts) }
                : upload with { BatchesFailed = upload.BatchesFailed + 1 }, now);
            var batchRow = new TableEntity(Partition(accountId, uploadId), BatchKey(number))
            {
                ["Status"] = status, ["Rows"] = batch.Rows, ["Error"] = error,
                ["Attempted"] = counts.Attempted, ["Valid"] = counts.Valid, ["Dupes"] = counts.Dupes, ["Dnc"] = counts.Dnc, ["Invalid"] = counts.Invalid,
            };
            try
            {
                var announced = Finished(upload, changed, now);
                await outbox.SubmitAsync(tables.Uploads, OutboxTable.Uploads,
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, batchRow, batch.ETag),
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(changed), upload.ETag),
                    .. announced is null ? Array.Empty<TableTransactionAction>() : [announced],
                ], cancellationToken);
                return true;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && race < 100)
            {
                await Task.Delay(Random.Shared.Next(1, 10 + race), cancellationToken);
            }
        }
    }

    /// <summary>Sets the failed batches of an upload pending again (with the summary, in transactions); returns their numbers.</summary>
    public async Task<List<int>> ReopenFailedBatchesAsync(string accountId, string uploadId, Instant now, CancellationToken cancellationToken)
    {
        var reopened = new List<int>();
        var failed = new List<TableEntity>();
        await foreach (var row in tables.Uploads.QueryAsync<TableEntity>(
            e => e.PartitionKey == Partition(accountId, uploadId) && e.RowKey.CompareTo("b") >= 0 && e.RowKey.CompareTo("c") < 0 && e.GetString("Status") == UploadStatus.Failed,
            cancellationToken: cancellationToken))
            failed.Add(row);
        foreach (var row in failed)
        {
            for (var race = 0; ; race++)
            {
                var upload = await GetAsync(accountId, uploadId, cancellationToken) ?? throw new InvalidOperationException($"Upload {uploadId} is gone");
                var batch = await GetBatchAsync(accountId, uploadId, int.Parse(row.RowKey.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
                if (batch is not { Status: UploadStatus.Failed })
                    break;
                var changed = Settle(upload with { BatchesFailed = upload.BatchesFailed - 1, FinishedAt = null }, now);
                try
                {
                    await tables.Uploads.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.UpdateReplace,
                            new TableEntity(row.PartitionKey, row.RowKey) { ["Status"] = UploadStatus.Pending, ["Rows"] = batch.Rows }, batch.ETag),
                        new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(changed), upload.ETag),
                    ], cancellationToken);
                    reopened.Add(batch.Number);
                    break;
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && race < 100)
                {
                }
            }
        }
        return reopened;
    }

    /// <summary>Records refused lines (idempotent: a line's row is replaced by the same row when a batch runs again).</summary>
    public async Task WriteProblemsAsync(string accountId, string uploadId, IEnumerable<UploadProblem> problems, CancellationToken cancellationToken)
    {
        foreach (var group in problems.GroupBy(p => ErrorPartition(accountId, uploadId, p.Line)))
        foreach (var chunk in group.Chunk(100))
        {
            await tables.Uploads.SubmitTransactionAsync(chunk.Select(p => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(group.Key, p.Line.ToString("D9", System.Globalization.CultureInfo.InvariantCulture)) { ["Field"] = p.Field, ["Reason"] = p.Reason })),
                cancellationToken);
        }
    }

    /// <summary>Every refused line of an upload, in line order.</summary>
    public async IAsyncEnumerable<UploadProblem> ReadProblemsAsync(Upload upload, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var part = 0; part <= upload.LastLine / LinesPerErrorPartition; part++)
        {
            var partition = ErrorPartition(upload.AccountId, upload.Id, part * LinesPerErrorPartition);
            await foreach (var row in tables.Uploads.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
                yield return new UploadProblem(int.Parse(row.RowKey, System.Globalization.CultureInfo.InvariantCulture), row.GetString("Field") ?? "", row.GetString("Reason") ?? "");
        }
    }

    /// <summary>The outbox row of <c>upload.completed</c> or <c>upload.failed</c> when this change finishes the upload.</summary>
    private static TableTransactionAction? Finished(Upload before, Upload after, Instant now) =>
        after.Status is UploadStatus.Completed or UploadStatus.Failed && after.Status != before.Status
            ? OutboxRows.InShardPartition(Partition(after.AccountId, after.Id), Integration.Events.OutboxEvent.UploadFinished(after, now))
            : null;

    private static Upload Settle(Upload upload, Instant now)
    {
        var status = upload.Derived;
        return upload with
        {
            Status = status,
            FinishedAt = status is UploadStatus.Completed or UploadStatus.Failed ? upload.FinishedAt ?? now : null,
        };
    }

    private static TableEntity ToEntity(Upload u) => new(Partition(u.AccountId, u.Id), SummaryKey)
    {
        ["ListId"] = u.ListId, ["ListSlug"] = u.ListSlug, ["CampaignId"] = u.CampaignId, ["Shards"] = u.Shards, ["FileName"] = u.FileName,
        ["Bytes"] = u.Bytes, ["Dedupe"] = u.Dedupe, ["CreatedAt"] = u.CreatedAt.ToDateTimeOffset(), ["Status"] = u.Status,
        ["Headers"] = u.Headers is null ? null : JsonSerializer.Serialize(u.Headers), ["SplitDone"] = u.SplitDone, ["Batches"] = u.Batches,
        ["BatchesDone"] = u.BatchesDone, ["BatchesFailed"] = u.BatchesFailed, ["LastLine"] = u.LastLine,
        ["Attempted"] = u.Counts.Attempted, ["Valid"] = u.Counts.Valid, ["Dupes"] = u.Counts.Dupes, ["Dnc"] = u.Counts.Dnc, ["Invalid"] = u.Counts.Invalid,
        ["Error"] = u.Error, ["FinishedAt"] = u.FinishedAt?.ToDateTimeOffset(),
    };

    private static Upload FromEntity(TableEntity e)
    {
        var key = e.PartitionKey;
        var cut = key.LastIndexOf('~');
        return new Upload(key[..cut], key[(cut + 1)..], e.GetString("ListId")!, e.GetString("ListSlug")!, e.GetString("CampaignId")!,
            e.GetInt32("Shards") ?? 0, e.GetString("FileName") ?? "", e.GetInt64("Bytes") ?? 0, e.GetBoolean("Dedupe") ?? true,
            Instant.FromDateTimeOffset(e.GetDateTimeOffset("CreatedAt")!.Value), e.GetString("Status") ?? UploadStatus.Pending,
            e.GetString("Headers") is { } headers ? JsonSerializer.Deserialize<List<string>>(headers) : null, e.GetBoolean("SplitDone") ?? false,
            e.GetInt32("Batches") ?? 0, e.GetInt32("BatchesDone") ?? 0, e.GetInt32("BatchesFailed") ?? 0, e.GetInt32("LastLine") ?? 0,
            new ListCounts(e.GetInt32("Attempted") ?? 0, e.GetInt32("Valid") ?? 0, e.GetInt32("Dupes") ?? 0, e.GetInt32("Dnc") ?? 0, e.GetInt32("Invalid") ?? 0),
            e.GetString("Error"), e.GetDateTimeOffset("FinishedAt") is { } finished ? Instant.FromDateTimeOffset(finished) : null, e.ETag);
    }

    private static UploadBatch BatchFrom(TableEntity e) => new(
        int.Parse(e.RowKey.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture), e.GetString("Status") ?? UploadStatus.Pending, e.GetInt32("Rows") ?? 0,
        new ListCounts(e.GetInt32("Attempted") ?? 0, e.GetInt32("Valid") ?? 0, e.GetInt32("Dupes") ?? 0, e.GetInt32("Dnc") ?? 0, e.GetInt32("Invalid") ?? 0),
        e.GetString("Error"), e.ETag);
}
