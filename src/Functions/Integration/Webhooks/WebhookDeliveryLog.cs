using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;
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
/// The delivery log: table <c>webhookdeliveries</c>, PartitionKey = <c>{account}~{webhook id}</c>, RowKey = the
/// attempt time as inverted ticks (19 digits) and a random suffix, so a partition reads newest first and two attempts
/// in the same tick never collide. Rows are insert-only: an attempt, once made, is history. The log of a deleted
/// webhook is left in place (nothing lists it any more).
/// </summary>
internal sealed class WebhookDeliveryLog(CampaignTables tables)
{
    public const int MaxErrorLength = 500;

    /// <summary>Appends an attempt to the webhook's log and returns its id.</summary>
    public async Task<string> RecordAsync(string accountId, string webhookId, DeliveryRecord record, CancellationToken cancellationToken)
    {
        var entity = ToEntity(accountId, webhookId, record);
        await tables.WebhookDeliveries.AddEntityAsync(entity, cancellationToken); // insert-only: the random suffix makes a clash a bug, not a race
        return entity.RowKey;
    }

    /// <summary>
    /// Appends several attempts of one webhook, 100 to a transaction (one partition): a deliverer sending hundreds of
    /// events a second logs them in a few writes, not one write each.
    /// </summary>
    public async Task RecordAllAsync(string accountId, string webhookId, IReadOnlyList<DeliveryRecord> records, CancellationToken cancellationToken)
    {
        foreach (var chunk in records.Chunk(100))
        {
            await tables.WebhookDeliveries.SubmitTransactionAsync(
                chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(accountId, webhookId, r))).ToList(), cancellationToken);
        }
    }

    private static TableEntity ToEntity(string accountId, string webhookId, DeliveryRecord record)
    {
        var inverted = long.MaxValue - record.AttemptedAt.ToUnixTimeTicks();
        var rowKey = inverted.ToString("D19", CultureInfo.InvariantCulture) + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var entity = new TableEntity(Partition(accountId, webhookId), rowKey)
        {
            ["EventId"] = record.EventId,
            ["EventType"] = record.EventType,
            ["CampaignId"] = record.CampaignId,
            ["Attempt"] = record.Attempt,
            ["Outcome"] = record.Outcome,
            ["DurationMs"] = record.DurationMs,
            ["AttemptedAt"] = record.AttemptedAt.ToDateTimeOffset(),
        };
        // Absent values are left out of the row rather than written as nulls.
        if (record.StatusCode is { } status)
            entity["StatusCode"] = status;
        if (record.Error is { } error)
            entity["Error"] = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        if (record.NextAttemptAt is { } next)
            entity["NextAttemptAt"] = next.ToDateTimeOffset();
        return entity;
    }

    /// <summary>The newest <paramref name="limit"/> attempts of the webhook, newest first.</summary>
    public async Task<IReadOnlyList<LoggedDelivery>> ListAsync(string accountId, string webhookId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var partition = Partition(accountId, webhookId);
        var rows = new List<LoggedDelivery>(Math.Min(limit, 200));
        await foreach (var page in tables.WebhookDeliveries.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), maxPerPage: Math.Min(limit, 1000), cancellationToken: cancellationToken).AsPages())
        {
            foreach (var row in page.Values)
            {
                rows.Add(new LoggedDelivery(row.RowKey, FromEntity(row)));
                if (rows.Count == limit)
                    return rows;
            }
        }
        return rows;
    }

    private static string Partition(string accountId, string webhookId) => $"{accountId}~{webhookId}";

    private static DeliveryRecord FromEntity(TableEntity row) => new(
        row.GetString("EventId") ?? "",
        row.GetString("EventType") ?? "",
        row.GetString("CampaignId") ?? "",
        row.GetInt32("Attempt") ?? 0,
        row.GetInt32("StatusCode"),
        row.GetString("Outcome") ?? "",
        row.GetString("Error"),
        row.GetInt64("DurationMs") ?? 0,
        Instant.FromDateTimeOffset(row.GetDateTimeOffset("AttemptedAt") ?? DateTimeOffset.UnixEpoch),
        row.GetDateTimeOffset("NextAttemptAt") is { } next ? Instant.FromDateTimeOffset(next) : null);
}
