using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Events;

/// <summary>One event of a campaign's stream: its place (<see cref="Sequence"/>, from 1), and the CloudEvent as sent.</summary>
internal sealed record StreamEvent(long Sequence, string Id, string Type, string AccountId, string CampaignId, Instant Time, string Body);

/// <summary>The stream's head: the next sequence number, and the relay's lease (one relay appends at a time).</summary>
internal sealed record StreamHead(string CampaignId, string AccountId, long NextSequence, Instant? LeaseUntil, ETag ETag);

/// <summary>
/// Where one destination (the broker, or a webhook) is in a stream: every event up to <see cref="Delivered"/> is done
/// (delivered, or given up and logged). A failing destination waits until <see cref="NextAttemptAt"/>; the lease makes
/// one deliverer at a time send, so events leave in order.
/// </summary>
internal sealed record StreamCursor(string CampaignId, string Destination, long Delivered, int FailedAttempts, Instant? FirstFailedAt,
    Instant? NextAttemptAt, Instant? LeaseUntil, ETag ETag);

/// <summary>
/// Campaign event streams: table <c>events</c>, PartitionKey = campaign id. <c>e{sequence:000000000000}</c> rows are
/// the events in the order the relay appended them (kept as the campaign's history); <c>~head</c> holds the next
/// sequence; <c>~cursor~{destination}</c> rows say how far each destination has got. Every write names its ETag.
/// </summary>
internal sealed class EventStreamStore(CampaignTables tables)
{
    private const string HeadKey = "~head";
    private const string CursorPrefix = "~cursor~";

    public static string EventKey(long sequence) => $"e{sequence:D12}";

    public async Task<StreamHead> ReadHeadAsync(string campaignId, string accountId, CancellationToken cancellationToken)
    {
        var row = await tables.Events.GetEntityIfExistsAsync<TableEntity>(campaignId, HeadKey, cancellationToken: cancellationToken);
        if (!row.HasValue)
            return new StreamHead(campaignId, accountId, 1, null, default);
        var e = row.Value!;
        return new StreamHead(campaignId, e.GetString("Account") ?? accountId, e.GetInt64("NextSequence") ?? 1,
            e.GetDateTimeOffset("LeaseUntil") is { } lease ? Instant.FromDateTimeOffset(lease) : null, e.ETag);
    }

    /// <summary>Writes the head (insert when new, else replace under its ETag), with <paramref name="appended"/> in the same transaction.</summary>
    public async Task<StreamHead> WriteHeadAsync(StreamHead head, IReadOnlyList<StreamEvent> appended, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(head.CampaignId, HeadKey)
        {
            ["Account"] = head.AccountId, ["NextSequence"] = head.NextSequence, ["LeaseUntil"] = head.LeaseUntil?.ToDateTimeOffset(),
        };
        var actions = new List<TableTransactionAction>
        {
            head.ETag == default ? new(TableTransactionActionType.Add, entity) : new(TableTransactionActionType.UpdateReplace, entity, head.ETag),
        };
        foreach (var e in appended)
        {
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(e.CampaignId, EventKey(e.Sequence))
            {
                ["EventId"] = e.Id, ["Type"] = e.Type, ["Account"] = e.AccountId, ["Time"] = e.Time.ToDateTimeOffset(), ["Body"] = e.Body,
            }));
        }
        try
        {
            var response = await tables.Events.SubmitTransactionAsync(actions, cancellationToken);
            return head with { ETag = response.Value[0].Headers.ETag ?? default };
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new ConcurrencyConflictException($"The event stream of {head.CampaignId} changed concurrently", ex);
        }
    }

    /// <summary>Events after <paramref name="after"/>, in order, at most <paramref name="take"/>.</summary>
    public async Task<List<StreamEvent>> ReadAsync(string campaignId, long after, int take, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {campaignId} and RowKey gt {EventKey(after)} and RowKey lt {"f"}");
        var events = new List<StreamEvent>(Math.Min(take, 1000));
        await foreach (var e in tables.Events.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
        {
            events.Add(new StreamEvent(long.Parse(e.RowKey.AsSpan(1), CultureInfo.InvariantCulture), e.GetString("EventId")!, e.GetString("Type")!,
                e.GetString("Account")!, campaignId, Instant.FromDateTimeOffset(e.GetDateTimeOffset("Time")!.Value), e.GetString("Body")!));
            if (events.Count == take)
                break;
        }
        return events;
    }

    public async Task<StreamCursor> ReadCursorAsync(string campaignId, string destination, CancellationToken cancellationToken)
    {
        var row = await tables.Events.GetEntityIfExistsAsync<TableEntity>(campaignId, CursorPrefix + destination, cancellationToken: cancellationToken);
        if (!row.HasValue)
            return new StreamCursor(campaignId, destination, 0, 0, null, null, null, default);
        var e = row.Value!;
        return new StreamCursor(campaignId, destination, e.GetInt64("Delivered") ?? 0, e.GetInt32("FailedAttempts") ?? 0,
            At(e, "FirstFailedAt"), At(e, "NextAttemptAt"), At(e, "LeaseUntil"), e.ETag);
    }

    /// <summary>Writes a cursor under its ETag (insert when new); a lost race raises <see cref="ConcurrencyConflictException"/>.</summary>
    public async Task<StreamCursor> WriteCursorAsync(StreamCursor cursor, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(cursor.CampaignId, CursorPrefix + cursor.Destination)
        {
            ["Delivered"] = cursor.Delivered, ["FailedAttempts"] = cursor.FailedAttempts,
            ["FirstFailedAt"] = cursor.FirstFailedAt?.ToDateTimeOffset(), ["NextAttemptAt"] = cursor.NextAttemptAt?.ToDateTimeOffset(),
            ["LeaseUntil"] = cursor.LeaseUntil?.ToDateTimeOffset(),
        };
        try
        {
            var response = cursor.ETag == default
                ? await tables.Events.AddEntityAsync(entity, cancellationToken)
                : await tables.Events.UpdateEntityAsync(entity, cursor.ETag, TableUpdateMode.Replace, cancellationToken);
            return cursor with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new ConcurrencyConflictException($"The {cursor.Destination} cursor of {cursor.CampaignId} changed concurrently", ex);
        }
    }

    private static Instant? At(TableEntity e, string name) => e.GetDateTimeOffset(name) is { } at ? Instant.FromDateTimeOffset(at) : null;
}
