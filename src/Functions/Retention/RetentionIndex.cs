using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Events;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Retention;

/// <summary>What the retention index names: a thing that may expire, and when to look at it next.</summary>
/// <param name="Kind">One of <see cref="RetentionKinds"/>.</param>
/// <param name="Target">The campaign id, upload id or webhook id.</param>
/// <param name="DeletedAt">When a campaign's deletion was noted (campaigns only).</param>
internal sealed record RetentionItem(string Kind, string AccountId, string Target, Instant DueAt, Instant NotedAt, Instant? DeletedAt, ETag ETag);

/// <summary>The kinds of thing the retention index names.</summary>
internal static class RetentionKinds
{
    /// <summary>A campaign that ended or was deleted: its event stream (and, deleted, its agent pool).</summary>
    public const string Campaign = "campaign";

    /// <summary>A finished upload: its CSV and batch files.</summary>
    public const string Upload = "upload";

    /// <summary>A webhook that has a delivery log.</summary>
    public const string WebhookLog = "hooklog";
}

/// <summary>Where the app tells retention that something may expire one day. Every note is idempotent.</summary>
internal interface IRetentionNotes
{
    /// <summary>The relay is about to append these events: notes the campaigns they end and the uploads they finish.</summary>
    Task EventsAppendingAsync(IReadOnlyCollection<OutboxEvent> events, CancellationToken cancellationToken);

    /// <summary>A campaign was deleted (the purge noted it).</summary>
    Task CampaignDeletedAsync(string accountId, string campaignId, Instant at, CancellationToken cancellationToken);

    /// <summary>A webhook's delivery log got rows: noted once per webhook (a process remembers whom it noted).</summary>
    Task WebhookLoggedAsync(string accountId, string webhookId, Instant at, CancellationToken cancellationToken);
}

/// <summary>
/// The retention index: table <c>retention</c>, one partition (<c>items</c>), RowKey <c>{kind}~{account}~{target}</c>, a
/// row per thing that may expire with <c>DueAt</c>, when the retention run should next look at it. Writers note things
/// when they could start to expire (a campaign's end or deletion, an upload's end, a webhook's first log row); the
/// hourly run reads the due rows (one partition-scoped query: the index holds only what awaits expiry and the webhooks
/// that have a log, not history), decides each with <see cref="Domain.Retention.RetentionRules"/> and moves its
/// <c>DueAt</c> on or removes it, naming the ETag it read. A note only ever causes a look: the rules decide from the
/// state of the thing itself, so a repeated, early or stray note costs a read and deletes nothing.
/// </summary>
internal sealed class RetentionIndex(TableServiceClient service, StorageOptions storage, RetentionOptions options, TimeProvider time) : IRetentionNotes
{
    public const string TableName = "retention";
    private const string Partition = "items";
    private readonly TableClient _table = service.GetTableClient(storage.TablePrefix + TableName);
    private readonly ConcurrentDictionary<string, byte> _loggedWebhooks = new();
    private Task? _created;

    public TableClient Table => _table;

    private static string Key(string kind, string accountId, string target) => $"{kind}~{accountId}~{target}";

    public async Task EventsAppendingAsync(IReadOnlyCollection<OutboxEvent> events, CancellationToken cancellationToken)
    {
        foreach (var note in NotesFor(events))
            await NoteAsync(note.Kind, note.AccountId, note.Target, note.At + options.PeriodOf(note.Kind), null, cancellationToken);
    }

    /// <summary>
    /// The notes a batch of events makes: <c>campaign.completed</c> and <c>campaign.stopped</c> note the campaign (its
    /// stream may expire), <c>upload.completed</c> and <c>upload.failed</c> the upload (its files may). Once per target,
    /// at its latest event.
    /// </summary>
    /// <summary>Whether an event of <paramref name="type"/> may make a note (<see cref="NotesFor"/>): the others need not be read.</summary>
    public static bool MayNote(string type) =>
        type is EventTypes.CampaignCompleted or EventTypes.CampaignStopped or EventTypes.UploadCompleted or EventTypes.UploadFailed;

    public static IReadOnlyList<(string Kind, string AccountId, string Target, Instant At)> NotesFor(IEnumerable<OutboxEvent> events) =>
        events.Select(e => e.Type switch
            {
                EventTypes.CampaignCompleted or EventTypes.CampaignStopped => (RetentionKinds.Campaign, e.AccountId, e.CampaignId, e.Time),
                EventTypes.UploadCompleted or EventTypes.UploadFailed when e.Subject.StartsWith("uploads/", StringComparison.Ordinal) =>
                    (RetentionKinds.Upload, e.AccountId, e.Subject["uploads/".Length..], e.Time),
                _ => default((string Kind, string AccountId, string Target, Instant At)?),
            })
            .OfType<(string Kind, string AccountId, string Target, Instant At)>()
            .GroupBy(n => (n.Kind, n.AccountId, n.Target))
            .Select(g => g.MaxBy(n => n.At))
            .ToList();

    public Task CampaignDeletedAsync(string accountId, string campaignId, Instant at, CancellationToken cancellationToken) =>
        NoteAsync(RetentionKinds.Campaign, accountId, campaignId, at + options.Periods.DeletedCampaigns, at, cancellationToken);

    public async Task WebhookLoggedAsync(string accountId, string webhookId, Instant at, CancellationToken cancellationToken)
    {
        var key = Key(RetentionKinds.WebhookLog, accountId, webhookId);
        if (_loggedWebhooks.ContainsKey(key))
            return;
        await EnsureCreatedAsync(cancellationToken);
        try
        {
            // Insert-only: a webhook is noted once and stays in the index while it exists, looked at daily. An upsert
            // here would move its look later every time a process starts.
            await _table.AddEntityAsync(Entity(RetentionKinds.WebhookLog, accountId, webhookId, at + options.Periods.WebhookDeliveries, null), cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Noted already.
        }
        if (_loggedWebhooks.Count > 100_000)
            _loggedWebhooks.Clear();
        _loggedWebhooks[key] = 0;
    }

    /// <summary>Notes a thing (insert, or merge into its row: a deletion time once set is kept).</summary>
    private async Task NoteAsync(string kind, string accountId, string target, Instant dueAt, Instant? deletedAt, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken);
        await _table.UpsertEntityAsync(Entity(kind, accountId, target, dueAt, deletedAt), TableUpdateMode.Merge, cancellationToken);
    }

    private TableEntity Entity(string kind, string accountId, string target, Instant dueAt, Instant? deletedAt)
    {
        var entity = new TableEntity(Partition, Key(kind, accountId, target))
        {
            ["Kind"] = kind, ["Account"] = accountId, ["Target"] = target,
            ["DueAt"] = dueAt.ToDateTimeOffset(), ["NotedAt"] = time.GetUtcNow(),
        };
        if (deletedAt is { } deleted)
            entity["DeletedAt"] = deleted.ToDateTimeOffset();
        return entity;
    }

    /// <summary>The items due at <paramref name="now"/>, a page at a time (rows changed meanwhile are read with their new values).</summary>
    public async IAsyncEnumerable<RetentionItem> DueAsync(Instant now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and DueAt le {now.ToDateTimeOffset()}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: 100, cancellationToken: cancellationToken))
        {
            yield return new RetentionItem(e.GetString("Kind") ?? "", e.GetString("Account") ?? "", e.GetString("Target") ?? "",
                At(e, "DueAt") ?? now, At(e, "NotedAt") ?? now, At(e, "DeletedAt"), e.ETag);
        }
    }

    /// <summary>Every item, due or not (tests and diagnostics).</summary>
    public async Task<List<RetentionItem>> AllAsync(CancellationToken cancellationToken)
    {
        var items = new List<RetentionItem>();
        await foreach (var item in DueAsync(Instant.MaxValue, cancellationToken))
            items.Add(item);
        return items;
    }

    /// <summary>Moves an item's next look; false when it changed since it was read (noted again: it keeps the new note).</summary>
    public async Task<bool> LookAgainAsync(RetentionItem item, Instant at, string why, CancellationToken cancellationToken)
    {
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(Partition, Key(item.Kind, item.AccountId, item.Target))
            {
                ["DueAt"] = at.ToDateTimeOffset(), ["Kept"] = why,
            }, item.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Drops an item from the index, unless it was noted again since it was read.</summary>
    public async Task RemoveAsync(RetentionItem item, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(Partition, Key(item.Kind, item.AccountId, item.Target), item.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Gone already, or noted again since: the new note is looked at in its turn.
        }
    }

    private async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var created = _created ??= _table.CreateIfNotExistsAsync(CancellationToken.None);
        try
        {
            await created.WaitAsync(cancellationToken);
        }
        catch (RequestFailedException)
        {
            _created = null; // try again next time
            throw;
        }
    }

    private static Instant? At(TableEntity e, string name) => e.GetDateTimeOffset(name) is { } at ? Instant.FromDateTimeOffset(at) : null;
}
