using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Contacts;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>A contact row with its ETag.</summary>
internal sealed record StoredContact(ContactState State, string PartitionKey, ETag ETag);

/// <summary>
/// Contact rows: table <c>contacts</c>, PartitionKey = <c>{campaignId}~{shard}</c> (<see cref="ContactSharding"/>),
/// RowKey = the E.164 number, which is unique within a campaign. Custom fields are one JSON object property.
/// </summary>
internal sealed class ContactStore(CampaignTables tables, StorageOptions options)
{
    private const int BatchSize = 100; // Table Storage's transaction limit

    /// <summary>
    /// Writes the contacts of a new campaign in partition-scoped transactions of at most 100, several in flight.
    /// Each transaction is insert-only; if an ambiguous failure made the SDK retry a transaction that had in fact
    /// landed, the 409 that follows is answered by upserting the same rows, which are ours (the campaign id is new
    /// and its row does not exist yet, so nobody else writes these partitions).
    /// </summary>
    public async Task InsertNewAsync(string campaignId, int shardCount, IReadOnlyList<ContactSpec> contacts, CancellationToken cancellationToken)
    {
        var batches = contacts
            .GroupBy(c => ContactSharding.PartitionKeyOf(campaignId, c.Phone.E164, shardCount))
            .SelectMany(group => group.Chunk(BatchSize).Select(chunk => (PartitionKey: group.Key, Contacts: chunk)));

        await Parallel.ForEachAsync(batches,
            new ParallelOptions { MaxDegreeOfParallelism = options.WriteParallelism, CancellationToken = cancellationToken },
            async (batch, ct) =>
            {
                var entities = batch.Contacts.Select(c => ToEntity(batch.PartitionKey, NewState(c))).ToList();
                try
                {
                    await tables.Contacts.SubmitTransactionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), ct);
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 409)
                {
                    await tables.Contacts.SubmitTransactionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct);
                }
            });
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
            var response = await tables.Contacts.UpdateEntityAsync(ToEntity(stored.PartitionKey, updated), stored.ETag, TableUpdateMode.Replace, cancellationToken);
            return stored with { State = updated, ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
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
            ? TableClient.CreateQueryFilter($"PartitionKey ge {first} and PartitionKey le {last}")
            : TableClient.CreateQueryFilter(
                $"((PartitionKey eq {cursor.PartitionKey} and RowKey gt {cursor.RowKey}) or (PartitionKey gt {cursor.PartitionKey} and PartitionKey le {last}))");

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

    private static ContactState NewState(ContactSpec spec) => new(spec, ContactStatus.Pending, 0, null, null);

    private static TableEntity ToEntity(string partitionKey, ContactState state) => new(partitionKey, state.Spec.Phone.E164)
    {
        ["Name"] = state.Spec.Name,
        ["TimeZone"] = state.Spec.TimeZone,
        ["Fields"] = state.Spec.CustomFields.Count == 0 ? null : CustomFieldsJson(state.Spec.CustomFields),
        ["Status"] = state.Status.ToWire(),
        ["Attempts"] = state.Attempts,
        ["LastDisposition"] = state.LastDisposition,
        ["NextAttemptAt"] = state.NextAttemptAt?.ToDateTimeOffset(),
    };

    private static StoredContact FromEntity(TableEntity e)
    {
        var fields = e.GetString("Fields") is { } json ? ParseCustomFields(json) : CustomFields.None;
        var spec = new ContactSpec(PhoneNumber.Parse(e.RowKey), e.GetString("Name") ?? "", e.GetString("TimeZone"), fields);
        var next = e.GetDateTimeOffset("NextAttemptAt");
        var state = new ContactState(
            spec,
            ContactStatusNames.FromWire(e.GetString("Status") ?? "pending"),
            e.GetInt32("Attempts") ?? 0,
            e.GetString("LastDisposition"),
            next is null ? null : Instant.FromDateTimeOffset(next.Value));
        return new StoredContact(state, e.PartitionKey, e.ETag);
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
