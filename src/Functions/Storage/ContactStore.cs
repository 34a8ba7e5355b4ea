using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Contacts;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>A contact row with its ETag and the RowKey of its due-index row (null when it has none).</summary>
internal sealed record StoredContact(ContactState State, string PartitionKey, ETag ETag, string? DueKey = null);

/// <summary>
/// Contact rows: table <c>contacts</c>, PartitionKey = <c>{campaignId}~{shard}</c> (<see cref="ContactSharding"/>),
/// RowKey = the E.164 number, which is unique within a campaign. Custom fields are one JSON object property.
/// The same partitions hold the engine's rows (<see cref="ShardRows"/>), whose RowKeys start with <c>~</c> and so
/// sort after every number.
/// </summary>
internal sealed class ContactStore(CampaignTables tables, StorageOptions options)
{
    private const int BatchSize = 100; // Table Storage's transaction limit

    /// <summary>
    /// Writes the contacts of a new campaign in partition-scoped transactions of at most 100, several in flight, then
    /// each shard's state row. Each transaction is insert-only; if an ambiguous failure made the SDK retry a
    /// transaction that had in fact landed, the 409 that follows is answered by upserting the same rows, which are
    /// ours (the campaign id is new and its row does not exist yet, so nobody else writes these partitions).
    /// </summary>
    public async Task InsertNewAsync(string campaignId, int shardCount, IReadOnlyList<ContactSpec> contacts, ShardSettings settings, CancellationToken cancellationToken)
    {
        var groups = contacts.GroupBy(c => ContactSharding.PartitionKeyOf(campaignId, c.Phone.E164, shardCount)).ToList();
        var batches = groups.SelectMany(group => group.Chunk(BatchSize).Select(chunk => (PartitionKey: group.Key, Contacts: chunk)));

        await Parallel.ForEachAsync(batches,
            new ParallelOptions { MaxDegreeOfParallelism = options.WriteParallelism, CancellationToken = cancellationToken },
            async (batch, ct) => await InsertOrRepeatAsync(batch.Contacts.Select(c => ToEntity(batch.PartitionKey, NewState(c), dueKey: null)).ToList(), ct));

        var counts = groups.ToDictionary(g => g.Key, g => g.Count());
        await Parallel.ForEachAsync(Enumerable.Range(0, shardCount),
            new ParallelOptions { MaxDegreeOfParallelism = options.WriteParallelism, CancellationToken = cancellationToken },
            async (shard, ct) =>
            {
                var partition = ContactSharding.PartitionKey(campaignId, shard);
                var state = ShardState.New(partition, settings, counts.GetValueOrDefault(partition));
                await InsertOrRepeatAsync([ShardRows.ToEntity(state), ShardRows.ToEntity(ShardResults.New(partition))], ct);
            });
    }

    /// <summary>
    /// Adds new prospects to a list-fed campaign's shards: per shard, the contacts are inserted (insert-only: a number
    /// already in the campaign fails the transaction, and the caller checks first) in the same transaction as the
    /// shard's state row, which counts them and moves its scan position back before the first new number, so the
    /// engine's scan of never-tried contacts finds them. A state row changed meanwhile (the engine claiming) is read
    /// again. Returns the numbers that were already there (the transaction was then refused and retried without them).
    /// </summary>
    public async Task<IReadOnlyList<string>> AddProspectsAsync(string campaignId, int shardCount, IReadOnlyList<ContactSpec> prospects, CancellationToken cancellationToken)
    {
        // One writer per shard: its transactions all carry the shard's state row, so chunks of one shard written side
        // by side would only refuse each other. Shards go side by side; within one, each transaction takes the state
        // row's ETag from the previous one's answer, and reads it again only after losing a race (the engine claiming).
        var existing = new System.Collections.Concurrent.ConcurrentBag<string>();
        var shards = prospects.GroupBy(c => ContactSharding.PartitionKeyOf(campaignId, c.Phone.E164, shardCount)).ToList();
        await Parallel.ForEachAsync(shards, new ParallelOptions { MaxDegreeOfParallelism = options.WriteParallelism, CancellationToken = cancellationToken },
            async (shard, ct) =>
            {
                ShardState? state = null;
                foreach (var chunk in shard.Chunk(BatchSize - 1))
                {
                    var pending = chunk.ToList();
                    for (var race = 0; pending.Count > 0; race++)
                    {
                        if (state is null)
                        {
                            var row = await tables.Contacts.GetEntityIfExistsAsync<TableEntity>(shard.Key, ShardRows.StateKey, cancellationToken: ct);
                            state = row.HasValue ? ShardRows.StateFrom(row.Value!) : throw new InvalidOperationException($"Shard {shard.Key} has no state row");
                        }
                        var first = pending.Select(c => c.Phone.E164).Order(StringComparer.Ordinal).First();
                        var updated = state with
                        {
                            Total = state.Total + pending.Count,
                            FreshDone = false,
                            FreshCursor = string.CompareOrdinal(state.FreshCursor, first) < 0 ? state.FreshCursor : "",
                        };
                        var actions = pending.Select(c => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(shard.Key, NewState(c), dueKey: null)))
                            .Append(new TableTransactionAction(TableTransactionActionType.UpdateReplace, ShardRows.ToEntity(updated), state.ETag)).ToList();
                        try
                        {
                            var response = await tables.Contacts.SubmitTransactionAsync(actions, ct);
                            state = response.Value[^1].Headers.ETag is { } etag ? updated with { ETag = etag } : null;
                            break;
                        }
                        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && race < 50)
                        {
                            state = null; // read again
                            if (ex.FailedTransactionActionIndex is { } index && index < pending.Count && ex.Status == 409)
                            {
                                existing.Add(pending[index].Phone.E164); // already a contact of this campaign: leave it out
                                pending = pending.Where((_, i) => i != index).ToList();
                            }
                        }
                    }
                }
            });
        return existing.ToList();
    }

    /// <summary>
    /// Writes changed retry settings onto every shard row of a campaign (the result recorder reads them there), each
    /// with the ETag read; a row changed meanwhile is read again.
    /// </summary>
    public async Task UpdateShardSettingsAsync(string campaignId, int shardCount, int maxAttempts, int retryIntervalMinutes, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, shardCount),
            new ParallelOptions { MaxDegreeOfParallelism = options.WriteParallelism, CancellationToken = cancellationToken },
            async (shard, ct) =>
            {
                var partition = ContactSharding.PartitionKey(campaignId, shard);
                for (var race = 0; ; race++)
                {
                    var row = await tables.Contacts.GetEntityIfExistsAsync<TableEntity>(partition, ShardRows.StateKey, cancellationToken: ct);
                    if (!row.HasValue)
                        return;
                    var state = ShardRows.StateFrom(row.Value!);
                    if (state.Settings.MaxAttempts == maxAttempts && state.Settings.RetryIntervalMinutes == retryIntervalMinutes)
                        return;
                    var updated = state with { Settings = state.Settings with { MaxAttempts = maxAttempts, RetryIntervalMinutes = retryIntervalMinutes } };
                    try
                    {
                        await tables.Contacts.UpdateEntityAsync(ShardRows.ToEntity(updated), state.ETag, TableUpdateMode.Replace, ct);
                        return;
                    }
                    catch (RequestFailedException ex) when (ex.Status is 409 or 412 && race < 20)
                    {
                        // The engine claimed dials on this shard meanwhile: read again.
                    }
                }
            });
    }

    /// <summary>
    /// Deletes every row of a deleted campaign's contact partitions, in transactions of up to 100. Idempotent: a
    /// second run finds fewer rows, or none.
    /// </summary>
    public async Task PurgeAsync(string campaignId, int shardCount, CancellationToken cancellationToken)
    {
        for (var shard = 0; shard < shardCount; shard++)
        {
            var partition = ContactSharding.PartitionKey(campaignId, shard);
            while (true)
            {
                var keys = new List<string>();
                await foreach (var entity in tables.Contacts.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"),
                                   maxPerPage: 1000, select: ["RowKey"], cancellationToken: cancellationToken))
                {
                    keys.Add(entity.RowKey);
                    if (keys.Count == 1000)
                        break;
                }
                if (keys.Count == 0)
                    break;
                await Parallel.ForEachAsync(keys.Chunk(BatchSize), new ParallelOptions { MaxDegreeOfParallelism = options.WriteParallelism, CancellationToken = cancellationToken },
                    async (chunk, ct) =>
                    {
                        try
                        {
                            await tables.Contacts.SubmitTransactionAsync(chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, k), ETag.All)), ct);
                        }
                        catch (TableTransactionFailedException ex) when (ex.Status == 404)
                        {
                            // A row went meanwhile (a due row, a second purge): the next pass reads what is left.
                        }
                    });
            }
        }
    }

    private async Task InsertOrRepeatAsync(List<TableEntity> entities, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Contacts.SubmitTransactionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            await tables.Contacts.SubmitTransactionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken);
        }
    }

    public async Task<StoredContact?> GetAsync(string campaignId, int shardCount, PhoneNumber phone, CancellationToken cancellationToken)
    {
        var partitionKey = ContactSharding.PartitionKeyOf(campaignId, phone.E164, shardCount);
        var response = await tables.Contacts.GetEntityIfExistsAsync<TableEntity>(partitionKey, phone.E164, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Replaces a contact if it still has its ETag; a lost race raises <see cref="ConcurrencyConflictException"/>.</summary>
    public async Task<StoredContact> ReplaceAsync(StoredContact stored, ContactState updated, CancellationToken cancellationToken)
    {
        try
        {
            var response = await tables.Contacts.UpdateEntityAsync(ToEntity(stored.PartitionKey, updated, stored.DueKey), stored.ETag, TableUpdateMode.Replace, cancellationToken);
            return stored with { State = updated, ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new ConcurrencyConflictException($"Contact {stored.State.Spec.Phone} changed concurrently", ex);
        }
    }

    /// <summary>
    /// Removes a pending contact: the contact becomes <c>removed</c>, its due-index row goes, and its shard stops counting
    /// it as unresolved (a removed contact is done, without a disposition), in one transaction that names the ETags read,
    /// so it cannot cross a dial the engine is claiming at the same moment.
    /// </summary>
    public async Task RemoveAsync(StoredContact stored, CancellationToken cancellationToken)
    {
        var stateRow = await tables.Contacts.GetEntityIfExistsAsync<TableEntity>(stored.PartitionKey, ShardRows.StateKey, cancellationToken: cancellationToken);
        var removed = stored.State with { Status = ContactStatus.Removed, NextAttemptAt = null, WaitReason = "removed" };
        var actions = new List<TableTransactionAction>
        {
            Update(stored.PartitionKey, removed, dueKey: null, stored.ETag),
        };
        if (stored.DueKey is not null)
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(stored.PartitionKey, stored.DueKey), ETag.All));
        if (stateRow.HasValue)
        {
            var state = ShardRows.StateFrom(stateRow.Value!);
            actions.Add(new(TableTransactionActionType.UpdateReplace, ShardRows.ToEntity(state with { Removed = state.Removed + 1 }), state.ETag));
        }
        try
        {
            await tables.Contacts.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            throw new ConcurrencyConflictException($"Contact {stored.State.Spec.Phone} changed concurrently", ex);
        }
    }

    /// <summary>
    /// One page of a campaign's contacts in storage order (shard, then number), after <paramref name="cursor"/>.
    /// Returns the cursor of the next page, or null at the end.
    /// </summary>
    public async Task<(IReadOnlyList<StoredContact> Page, string? NextCursor)> ListAsync(
        string campaignId, int shardCount, ContactCursor? cursor, int limit, CancellationToken cancellationToken)
    {
        var first = ContactSharding.PartitionKey(campaignId, 0);
        var last = ContactSharding.PartitionKey(campaignId, shardCount - 1);
        var filter = cursor is null
            ? TableClient.CreateQueryFilter($"PartitionKey ge {first} and PartitionKey le {last} and RowKey lt {ShardRows.Prefix}")
            : TableClient.CreateQueryFilter(
                $"((PartitionKey eq {cursor.PartitionKey} and RowKey gt {cursor.RowKey}) or (PartitionKey gt {cursor.PartitionKey} and PartitionKey le {last})) and RowKey lt {ShardRows.Prefix}");

        var page = new List<StoredContact>(limit);
        await foreach (var entity in tables.Contacts.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(1000, limit + 1), cancellationToken: cancellationToken))
        {
            if (page.Count == limit)
            {
                var lastRow = page[^1];
                return (page, new ContactCursor(lastRow.PartitionKey, lastRow.State.Spec.Phone.E164).Encode());
            }
            page.Add(FromEntity(entity));
        }
        return (page, null);
    }

    /// <summary>Contacts of one shard after <paramref name="afterPhone"/>, in number order (the engine's scan of fresh contacts).</summary>
    public async Task<List<StoredContact>> ScanAsync(string partitionKey, string afterPhone, int take, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey gt {afterPhone} and RowKey lt {ShardRows.Prefix}");
        var result = new List<StoredContact>(take);
        await foreach (var entity in tables.Contacts.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(1000, take), cancellationToken: cancellationToken))
        {
            result.Add(FromEntity(entity));
            if (result.Count == take)
                break;
        }
        return result;
    }

    /// <summary>Point reads of several contacts of one shard, in parallel.</summary>
    public async Task<Dictionary<string, StoredContact>> GetManyAsync(string partitionKey, IEnumerable<string> phones, CancellationToken cancellationToken)
    {
        var reads = await Task.WhenAll(phones.Distinct().Select(async phone =>
        {
            var response = await tables.Contacts.GetEntityIfExistsAsync<TableEntity>(partitionKey, phone, cancellationToken: cancellationToken);
            return response.HasValue ? FromEntity(response.Value!) : null;
        }));
        return reads.OfType<StoredContact>().ToDictionary(c => c.State.Spec.Phone.E164);
    }

    private static ContactState NewState(ContactSpec spec) => new(spec, ContactStatus.Pending, 0, null, null);

    /// <summary>
    /// The whole contact row. Every column is always written, an absent value as <see cref="NoText"/> or
    /// <see cref="NoTime"/> (Table Storage keeps no nulls), so that a Merge writes exactly the row a Replace would: see
    /// <see cref="Update"/>.
    /// </summary>
    internal static TableEntity ToEntity(string partitionKey, ContactState state, string? dueKey) => new(partitionKey, state.Spec.Phone.E164)
    {
        ["Name"] = state.Spec.Name,
        ["TimeZone"] = state.Spec.TimeZone ?? NoText,
        ["Fields"] = state.Spec.CustomFields.Count == 0 ? NoText : CustomFieldsJson(state.Spec.CustomFields),
        ["Status"] = state.Status.ToWire(),
        ["Attempts"] = state.Attempts,
        ["LastDisposition"] = state.LastDisposition ?? NoText,
        ["LastOutcome"] = state.LastOutcome ?? NoText,
        ["NextAttemptAt"] = state.NextAttemptAt?.ToDateTimeOffset() ?? NoTime,
        ["WaitReason"] = state.WaitReason ?? NoText,
        ["DueKey"] = dueKey ?? NoText,
        ["State"] = state.Spec.State ?? NoText,
        ["ImportedAt"] = state.Spec.ImportedAt?.ToDateTimeOffset() ?? NoTime,
        ["ListId"] = state.Spec.ListId ?? NoText,
        ["Source"] = state.Spec.Source ?? NoText,
        ["History"] = state.History.Count == 0 ? NoText : JsonSerializer.Serialize(state.History.Select(StoredAttempt.From), HistoryJson),
    };

    /// <summary>
    /// An ETag-guarded update of a contact row in a transaction. Merge, not Replace: the row is the same either way
    /// (<see cref="ToEntity"/> writes every column) and so is the cost on Azure, but Azurite, where developers and the
    /// tests run, carries out a Replace as a remove and an insert that re-index its whole table, and a Merge in place:
    /// in a CPU profile of the dispatch benchmark the emulator's time in these updates fell by a quarter (27.5 to 20.7 s;
    /// docs/benchmarks.md, 2026-11-28).
    /// </summary>
    internal static TableTransactionAction Update(string partitionKey, ContactState state, string? dueKey, ETag etag) =>
        new(TableTransactionActionType.UpdateMerge, ToEntity(partitionKey, state, dueKey), etag);

    /// <summary>An absent text column (no value the row can hold is empty).</summary>
    internal const string NoText = "";

    /// <summary>An absent time column: Table Storage's earliest date, before any instant the app writes.</summary>
    internal static readonly DateTimeOffset NoTime = new(1601, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string? Text(TableEntity e, string column) => e.GetString(column) is { Length: > 0 } text ? text : null;

    private static Instant? Time(TableEntity e, string column) =>
        e.GetDateTimeOffset(column) is { } time && time > NoTime ? Instant.FromDateTimeOffset(time) : null;

    private static readonly JsonSerializerOptions HistoryJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>An attempt as stored in the contact row's <c>History</c> property: short names, instants as Unix milliseconds.</summary>
    private sealed record StoredAttempt(int n, long s, string? o, string? d, long? e, int? t)
    {
        public static StoredAttempt From(AttemptRecord a) =>
            new(a.Number, a.StartedAt.ToUnixTimeMilliseconds(), a.Outcome, a.Disposition, a.EndedAt?.ToUnixTimeMilliseconds(), a.DurationSeconds);

        public AttemptRecord ToRecord() => new(n, Instant.FromUnixTimeMilliseconds(s), o, d, e is { } end ? Instant.FromUnixTimeMilliseconds(end) : null, t);
    }

    internal static StoredContact FromEntity(TableEntity e)
    {
        var fields = Text(e, "Fields") is { } json ? ParseCustomFields(json) : CustomFields.None;
        var spec = new ContactSpec(PhoneNumber.Parse(e.RowKey), e.GetString("Name") ?? "", Text(e, "TimeZone"), fields)
        {
            State = Text(e, "State"),
            ImportedAt = Time(e, "ImportedAt"),
            ListId = Text(e, "ListId"),
            Source = Text(e, "Source"),
        };
        var state = new ContactState(
            spec,
            ContactStatusNames.FromWire(e.GetString("Status") ?? "pending"),
            e.GetInt32("Attempts") ?? 0,
            Text(e, "LastDisposition"),
            Time(e, "NextAttemptAt"))
        {
            WaitReason = Text(e, "WaitReason"),
            LastOutcome = Text(e, "LastOutcome"),
            History = Text(e, "History") is { } history
                ? (JsonSerializer.Deserialize<List<StoredAttempt>>(history, HistoryJson) ?? []).Select(a => a.ToRecord()).ToList()
                : [],
        };
        return new StoredContact(state, e.PartitionKey, e.ETag, Text(e, "DueKey"));
    }

    /// <summary>Custom fields as one JSON object, each value the client's JSON text unchanged.</summary>
    internal static string CustomFieldsJson(CustomFields fields)
    {
        var builder = new StringBuilder("{");
        foreach (var (name, raw) in fields.RawJsonByName)
        {
            if (builder.Length > 1)
                builder.Append(',');
            builder.Append('"').Append(JsonEncodedText.Encode(name).Value).Append("\":").Append(raw);
        }
        return builder.Append('}').ToString();
    }

    private static CustomFields ParseCustomFields(string json)
    {
        using var document = JsonDocument.Parse(json);
        return new CustomFields(document.RootElement.EnumerateObject()
            .Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetRawText()))
            .ToList());
    }
}

/// <summary>An opaque position in a contact listing: the last row returned.</summary>
internal sealed record ContactCursor(string PartitionKey, string RowKey)
{
    public string Encode() => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{PartitionKey}\n{RowKey}"))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes a cursor of this campaign; anything else (tampered, another campaign's) is null.</summary>
    public static ContactCursor? TryDecode(string? text, string campaignId)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 200)
            return null;
        try
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(base64)).Split('\n');
            if (parts.Length != 2 || !parts[0].StartsWith(campaignId + "~", StringComparison.Ordinal))
                return null;
            return PhoneNumber.TryParse(parts[1], out _, out _) ? new ContactCursor(parts[0], parts[1]) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
