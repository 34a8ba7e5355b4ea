using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;
using Campaigns.Functions.Retention;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Webhooks;

/// <summary>What became of one delivery attempt, as the log and the API name it.</summary>
internal static class DeliveryOutcomes
{
    /// <summary>The receiver answered 2xx.</summary>
    public const string Delivered = "delivered";

    /// <summary>The attempt failed and another is planned (<see cref="DeliveryRecord.NextAttemptAt"/>).</summary>
    public const string Retrying = "retrying";

    /// <summary>The attempt failed and the event is given up (the retry window is used up).</summary>
    public const string Failed = "failed";

    /// <summary>The outcome of an attempt: delivered, or failed with or without a next attempt.</summary>
    public static string Of(bool delivered, Instant? nextAttemptAt) =>
        delivered ? Delivered : nextAttemptAt is null ? Failed : Retrying;
}

/// <summary>One delivery attempt of one event to one webhook.</summary>
/// <param name="Attempt">1 for the first try of the event, 2 for the first retry, and so on.</param>
/// <param name="StatusCode">The receiver's HTTP status, or null when no response came (network error, timeout).</param>
/// <param name="Outcome">One of <see cref="DeliveryOutcomes"/>.</param>
/// <param name="Error">Why it failed, short; never the secret, at most 200 characters of the response body.</param>
internal sealed record DeliveryRecord(
    string EventId, string EventType, string CampaignId, int Attempt, int? StatusCode, string Outcome, string? Error, long DurationMs,
    Instant AttemptedAt, Instant? NextAttemptAt);

/// <summary>A logged attempt with the id it is listed under.</summary>
internal sealed record LoggedDelivery(string Id, DeliveryRecord Record);

/// <summary>
/// The delivery log: table <c>webhookdeliveries</c>, PartitionKey = <c>{account}~{webhook id}</c>. The attempts a
/// deliverer makes in one go are packed into one row (<see cref="PackedColumns"/>, up to <see cref="RecordsPerRow"/>),
/// so a webhook taking a thousand events a second costs a few writes a second, not a thousand. RowKey = the newest
/// attempt's time as inverted ticks (19 digits) and a random suffix, so a partition reads newest first and two rows of
/// the same tick never collide; an attempt's id is its row's key and its place in the row. Rows are insert-only: an
/// attempt, once made, is history, until retention deletes rows whose newest attempt is older than
/// <c>Retention__WebhookDeliveryDays</c> (a range of keys at the partition's end: <see cref="DeleteOlderThanAsync"/>); a
/// webhook's first row notes it in the retention index, which looks at its log daily while it exists and until a
/// deleted webhook's log is empty.
/// </summary>
internal sealed class WebhookDeliveryLog(CampaignTables tables, IRetentionNotes retention)
{
    public const int MaxErrorLength = 500;
    public const int RecordsPerRow = 500;

    /// <summary>Appends an attempt to the webhook's log and returns its id.</summary>
    public async Task<string> RecordAsync(string accountId, string webhookId, DeliveryRecord record, CancellationToken cancellationToken)
    {
        var entity = ToEntity(accountId, webhookId, [record]);
        await retention.WebhookLoggedAsync(accountId, webhookId, record.AttemptedAt, cancellationToken);
        await tables.WebhookDeliveries.AddEntityAsync(entity, cancellationToken); // insert-only: the random suffix makes a clash a bug, not a race
        return Id(entity.RowKey, 0);
    }

    /// <summary>Appends several attempts of one webhook: one row per <see cref="RecordsPerRow"/>, the rows in one transaction.</summary>
    public async Task RecordAllAsync(string accountId, string webhookId, IReadOnlyList<DeliveryRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
            return;
        await retention.WebhookLoggedAsync(accountId, webhookId, records[0].AttemptedAt, cancellationToken);
        var rows = records.Chunk(RecordsPerRow).Select(chunk => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(accountId, webhookId, chunk))).ToList();
        try
        {
            await tables.WebhookDeliveries.SubmitTransactionAsync(rows, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            // The keys are random: a clash means the SDK retried a transaction whose first try had landed (it timed out
            // on the way back). Those attempts are in the log.
        }
    }

    private static string Id(string rowKey, int index) => $"{rowKey}.{index}";

    private static TableEntity ToEntity(string accountId, string webhookId, IReadOnlyList<DeliveryRecord> records)
    {
        var newest = records.Max(r => r.AttemptedAt);
        var inverted = long.MaxValue - newest.ToUnixTimeTicks();
        var rowKey = inverted.ToString("D19", CultureInfo.InvariantCulture) + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            foreach (var r in records)
            {
                writer.Write(r.EventId);
                writer.Write(r.EventType);
                writer.Write(r.CampaignId);
                writer.Write(r.Attempt);
                writer.Write(r.StatusCode ?? -1);
                writer.Write(r.Outcome);
                writer.Write(r.Error is null ? "" : r.Error.Length > MaxErrorLength ? r.Error[..MaxErrorLength] : r.Error);
                writer.Write(r.Error is not null);
                writer.Write(r.DurationMs);
                writer.Write(r.AttemptedAt.ToUnixTimeTicks());
                writer.Write(r.NextAttemptAt?.ToUnixTimeTicks() ?? long.MinValue);
            }
        }
        var entity = new TableEntity(Partition(accountId, webhookId), rowKey) { ["Count"] = records.Count };
        PackedColumns.WriteCompressed(entity, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return entity;
    }

    private static IEnumerable<LoggedDelivery> FromEntity(TableEntity row)
    {
        var count = row.GetInt32("Count") ?? 0;
        using var reader = new BinaryReader(PackedColumns.OpenRead(row), System.Text.Encoding.UTF8);
        var records = new List<LoggedDelivery>(count);
        for (var i = 0; i < count; i++)
        {
            var (eventId, eventType, campaignId, attempt, status, outcome, error, hasError) =
                (reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadString(), reader.ReadString(), reader.ReadBoolean());
            var (duration, at, next) = (reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64());
            records.Add(new LoggedDelivery(Id(row.RowKey, i), new DeliveryRecord(eventId, eventType, campaignId, attempt, status < 0 ? null : status, outcome,
                hasError ? error : null, duration, Instant.FromUnixTimeTicks(at), next == long.MinValue ? null : Instant.FromUnixTimeTicks(next))));
        }
        return records;
    }

    /// <summary>
    /// The newest <paramref name="limit"/> attempts of the webhook, newest first. Rows come newest-attempt first; a later
    /// row can still hold attempts newer than some of an earlier row's (two campaigns delivering at once), so rows are
    /// read until the next one's newest attempt is older than the <paramref name="limit"/>-th newest found.
    /// </summary>
    public async Task<IReadOnlyList<LoggedDelivery>> ListAsync(string accountId, string webhookId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var found = new List<LoggedDelivery>();
        await foreach (var row in tables.WebhookDeliveries.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {Partition(accountId, webhookId)}"), maxPerPage: 100, cancellationToken: cancellationToken))
        {
            var rowNewest = Instant.FromUnixTimeTicks(long.MaxValue - long.Parse(row.RowKey.AsSpan(0, 19), CultureInfo.InvariantCulture));
            if (found.Count >= limit && rowNewest < Newest(found)[limit - 1].Record.AttemptedAt)
                break;
            found.AddRange(FromEntity(row));
        }
        return Newest(found).Take(limit).ToList();
    }

    private static List<LoggedDelivery> Newest(List<LoggedDelivery> found) =>
        found.OrderByDescending(d => d.Record.AttemptedAt).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Deletes the webhook's rows whose newest attempt is at or before <paramref name="cutoff"/>, within the budget; true
    /// when none is left. Keys hold the newest attempt's time inverted, so those rows are the partition's last keys.
    /// </summary>
    public Task<bool> DeleteOlderThanAsync(string accountId, string webhookId, Instant cutoff, DeleteBudget budget, CancellationToken cancellationToken) =>
        TableDeletes.DeleteAsync(tables.WebhookDeliveries, Partition(accountId, webhookId), OlderThan(cutoff), budget, cancellationToken);

    /// <summary>Whether the webhook has any row left in its log.</summary>
    public Task<bool> AnyAsync(string accountId, string webhookId, CancellationToken cancellationToken) =>
        TableDeletes.AnyAsync(tables.WebhookDeliveries, Partition(accountId, webhookId), null, cancellationToken);

    /// <summary>Rows whose newest attempt is at or before <paramref name="cutoff"/>: keys after <c>{inverted cutoff}</c> (then <c>_</c> and the suffix).</summary>
    private static string OlderThan(Instant cutoff) =>
        TableClient.CreateQueryFilter($"RowKey gt {(long.MaxValue - cutoff.ToUnixTimeTicks()).ToString("D19", CultureInfo.InvariantCulture)}");

    private static string Partition(string accountId, string webhookId) => $"{accountId}~{webhookId}";
}
