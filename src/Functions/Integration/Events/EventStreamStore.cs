using System.Text;
using Azure;
using Azure.Data.Tables;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// One event of a campaign's stream: its place (<see cref="Sequence"/>, from 1), and the CloudEvent as sent.
/// <see cref="AppendedAt"/> is when the relay appended it (set on events read back from the stream).
/// </summary>
internal sealed record StreamEvent(long Sequence, string Id, string Type, string AccountId, string CampaignId, Instant Time, byte[] Utf8Body)
{
    public Instant? AppendedAt { get; init; }

    /// <summary>The CloudEvent as text (the stream and every destination take <see cref="Utf8Body"/> as it is).</summary>
    public string Body => Encoding.UTF8.GetString(Utf8Body);
}

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
/// Campaign event streams: table <c>events</c>, PartitionKey = campaign id. The events, in the order the relay appended
/// them, are packed into pages (<c>p{last sequence:000000000000}</c>, up to <see cref="PageEvents"/> events or
/// <see cref="PageBytes"/> bytes each, <see cref="PackedColumns"/>): an append of a thousand events is a few rows, and a
/// reader finds the page that holds sequence <c>n</c> as the first page whose key is at least <c>p{n}</c>. <c>~head</c> holds the next sequence; <c>~cursor~{destination}</c> rows say how far each
/// destination has got. Every write names its ETag. A finished campaign's stream is deleted whole by retention
/// (<see cref="Retention.RetentionSweeper"/>) once every destination has had it and it is old enough.
/// </summary>
internal sealed class EventStreamStore(CampaignTables tables)
{
    private const string HeadKey = "~head";
    private const string CursorPrefix = "~cursor~";
    public const int PageEvents = 500;
    public const int PageBytes = 256 * 1024;

    /// <summary>At most this many events, or <see cref="MaxAppendBytes"/> of bodies, go into one append (head + pages: one transaction of at most 4 MiB).</summary>
    public const int MaxAppendEvents = 2_000;
    public const int MaxAppendBytes = 1_500_000;

    public static string PageKey(long lastSequence) => $"p{lastSequence:D12}";

    public async Task<StreamHead> ReadHeadAsync(string campaignId, string accountId, CancellationToken cancellationToken)
    {
        var row = await tables.Events.GetEntityIfExistsAsync<TableEntity>(campaignId, HeadKey, cancellationToken: cancellationToken);
        if (!row.HasValue)
            return new StreamHead(campaignId, accountId, 1, null, default);
        var e = row.Value!;
        return new StreamHead(campaignId, e.GetString("Account") ?? accountId, e.GetInt64("NextSequence") ?? 1,
            e.GetDateTimeOffset("LeaseUntil") is { } lease ? Instant.FromDateTimeOffset(lease) : null, e.ETag);
    }

    /// <summary>
    /// Writes the head (insert when new, else replace under its ETag), with <paramref name="appended"/> (in sequence
    /// order, at most <see cref="MaxAppendEvents"/>) packed into pages in the same transaction.
    /// </summary>
    public async Task<StreamHead> WriteHeadAsync(StreamHead head, IReadOnlyList<StreamEvent> appended, Instant now, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(head.CampaignId, HeadKey)
        {
            ["Account"] = head.AccountId, ["NextSequence"] = head.NextSequence, ["LeaseUntil"] = head.LeaseUntil?.ToDateTimeOffset(),
        };
        var actions = new List<TableTransactionAction>
        {
            head.ETag == default ? new(TableTransactionActionType.Add, entity) : new(TableTransactionActionType.UpdateReplace, entity, head.ETag),
        };
        foreach (var page in Pages(appended))
            actions.Add(new(TableTransactionActionType.Add, PageEntity(head.CampaignId, head.AccountId, page, now)));
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

    private static IEnumerable<List<StreamEvent>> Pages(IReadOnlyList<StreamEvent> events)
    {
        var page = new List<StreamEvent>();
        var bytes = 0;
        foreach (var e in events)
        {
            var size = Size(e);
            if (page.Count > 0 && (page.Count == PageEvents || bytes + size > PageBytes))
            {
                yield return page;
                (page, bytes) = ([], 0);
            }
            page.Add(e);
            bytes += size;
        }
        if (page.Count > 0)
            yield return page;
    }

    /// <summary>An event's bytes in a page, with its framing (ids and types are ASCII).</summary>
    private static int Size(StreamEvent e) => e.Utf8Body.Length + e.Id.Length + e.Type.Length + 32;

    /// <summary>
    /// The buffer a page is packed in before it is compressed, kept per thread (packing never awaits): a page is up to a
    /// quarter of a megabyte, which would be a large-object allocation for every page appended.
    /// </summary>
    [ThreadStatic] private static MemoryStream? t_page;

    private static TableEntity PageEntity(string campaignId, string accountId, List<StreamEvent> page, Instant now)
    {
        var buffer = t_page ??= new MemoryStream();
        buffer.SetLength(0);
        buffer.Capacity = Math.Max(buffer.Capacity, page.Sum(Size));
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            foreach (var e in page)
            {
                writer.Write(e.Sequence);
                writer.Write(e.Id);
                writer.Write(e.Type);
                writer.Write(e.Time.ToUnixTimeTicks());
                writer.Write7BitEncodedInt(e.Utf8Body.Length); // as BinaryWriter writes a string: its UTF-8 length, then the bytes
                writer.Write(e.Utf8Body);
            }
        }
        var entity = new TableEntity(campaignId, PageKey(page[^1].Sequence))
        {
            ["Account"] = accountId, ["First"] = page[0].Sequence, ["Count"] = page.Count, ["AppendedAt"] = now.ToDateTimeOffset(),
        };
        PackedColumns.WriteCompressed(entity, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return entity;
    }

    /// <summary>
    /// Events after <paramref name="after"/>, in order: whole pages until at least <paramref name="take"/> events are
    /// read, so the answer may hold up to one page more than asked for.
    /// </summary>
    public async Task<List<StreamEvent>> ReadAsync(string campaignId, long after, int take, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {campaignId} and RowKey ge {PageKey(after + 1)} and RowKey lt {"q"}");
        var events = new List<StreamEvent>();
        await foreach (var page in tables.Events.QueryAsync<TableEntity>(filter, maxPerPage: Math.Clamp(take / PageEvents + 1, 1, 100), cancellationToken: cancellationToken))
        {
            var account = page.GetString("Account")!;
            var appendedAt = Instant.FromDateTimeOffset(page.GetDateTimeOffset("AppendedAt") ?? DateTimeOffset.UnixEpoch);
            var count = page.GetInt32("Count") ?? 0;
            using var reader = new BinaryReader(PackedColumns.OpenRead(page), Encoding.UTF8);
            for (var i = 0; i < count; i++)
            {
                var sequence = reader.ReadInt64();
                var id = reader.ReadString();
                var type = reader.ReadString();
                var time = Instant.FromUnixTimeTicks(reader.ReadInt64());
                var body = reader.ReadBytes(reader.Read7BitEncodedInt());
                if (sequence > after)
                    events.Add(new StreamEvent(sequence, id, type, account, campaignId, time, body) { AppendedAt = appendedAt });
            }
            if (events.Count >= take)
                break;
        }
        return events;
    }

    /// <summary>
    /// As <see cref="ReadAsync(string, long, int, CancellationToken)"/>, but from <paramref name="appended"/> (a relay
    /// pass's memory) when it holds the next event: no page is read back.
    /// </summary>
    public async Task<IReadOnlyList<StreamEvent>> ReadAsync(string campaignId, long after, int take, AppendedEvents appended, CancellationToken cancellationToken) =>
        await appended.AfterAsync(after, take, cancellationToken) ?? await ReadAsync(campaignId, after, take, cancellationToken);

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

    /// <summary>Every destination's cursor in the stream (the broker's, webhooks' including deleted ones).</summary>
    public async Task<List<StreamCursor>> ReadCursorsAsync(string campaignId, CancellationToken cancellationToken)
    {
        var cursors = new List<StreamCursor>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {campaignId} and RowKey ge {CursorPrefix} and RowKey lt {CursorPrefix + "~"}");
        await foreach (var e in tables.Events.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            cursors.Add(new StreamCursor(campaignId, e.RowKey[CursorPrefix.Length..], e.GetInt64("Delivered") ?? 0, e.GetInt32("FailedAttempts") ?? 0,
                At(e, "FirstFailedAt"), At(e, "NextAttemptAt"), At(e, "LeaseUntil"), e.ETag));
        }
        return cursors;
    }

    /// <summary>When the page ending at <paramref name="lastSequence"/> (the stream's last) was appended; null when there is none.</summary>
    public async Task<Instant?> AppendedAtAsync(string campaignId, long lastSequence, CancellationToken cancellationToken)
    {
        var page = await tables.Events.GetEntityIfExistsAsync<TableEntity>(campaignId, PageKey(lastSequence), select: ["AppendedAt"], cancellationToken: cancellationToken);
        return page.HasValue ? At(page.Value!, "AppendedAt") : null;
    }

    /// <summary>
    /// Deletes the stream's head if it still has the ETag read (no append since); false when it changed. The first step
    /// of deleting a stream: with the head gone the rest of the partition is leftovers.
    /// </summary>
    public async Task<bool> DeleteHeadAsync(StreamHead head, CancellationToken cancellationToken)
    {
        if (head.ETag == default)
            return true;
        try
        {
            await tables.Events.DeleteEntityAsync(head.CampaignId, HeadKey, head.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

    private static Instant? At(TableEntity e, string name) => e.GetDateTimeOffset(name) is { } at ? Instant.FromDateTimeOffset(at) : null;
}
