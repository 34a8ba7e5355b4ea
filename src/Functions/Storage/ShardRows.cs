using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>
/// Progress of one contact shard, in its own partition: exact counters changed in the same transaction as the
/// contact they count, and the engine's scan position over contacts never tried yet.
/// </summary>
internal sealed record ShardState(
    string PartitionKey,
    ShardSettings Settings,
    int Total,
    int Unresolved,
    int InProgress,
    int CallsMade,
    int CallsConnected,
    IReadOnlyDictionary<string, int> Dispositions,
    string FreshCursor,
    bool FreshDone,
    ETag ETag)
{
    public static ShardState New(string partitionKey, ShardSettings settings, int contacts) =>
        new(partitionKey, settings, contacts, contacts, 0, 0, 0, new Dictionary<string, int>(), "", contacts == 0, default);

    public ShardState WithDisposition(string label)
    {
        var dispositions = new Dictionary<string, int>(Dispositions);
        dispositions[label] = dispositions.GetValueOrDefault(label) + 1;
        return this with { Dispositions = dispositions, Unresolved = Unresolved - 1 };
    }
}

/// <summary>
/// What an outcome needs to know of its campaign, copied onto every shard row at creation so that recording an
/// outcome reads one partition only.
/// </summary>
internal sealed record ShardSettings(string AccountId, int MaxAttempts, int RetryIntervalMinutes, Instant? ScheduleEnd);

/// <summary>One attempt of one contact: its deterministic id is the RowKey's content.</summary>
internal sealed record AttemptRow(string PartitionKey, string Phone, int Number, Instant StartedAt, string? Outcome, string? Disposition, Instant? EndedAt, int? DurationSeconds, ETag ETag);

/// <summary>RowKeys of the engine's rows in a contact partition. All start with '~', after every E.164 number.</summary>
internal static class ShardRows
{
    public const string Prefix = "~";
    public const string StateKey = "~state";
    public const string DuePrefix = "~due~";
    public const string AttemptPrefix = "~att~";

    /// <summary>The due index: one row per contact the engine must look at again, ordered by when.</summary>
    public static string DueKey(Instant at, string phone) => $"{DuePrefix}{at.ToUnixTimeTicks():D19}~{phone}";

    /// <summary>The first due key strictly after every row due at or before <paramref name="now"/>.</summary>
    public static string DueUpperBound(Instant now) => $"{DuePrefix}{now.ToUnixTimeTicks() + 1:D19}";

    public static (Instant At, string Phone) ParseDueKey(string rowKey)
    {
        var parts = rowKey[DuePrefix.Length..].Split('~');
        return (Instant.FromUnixTimeTicks(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)), parts[1]);
    }

    public static string AttemptKey(string phone, int number) => $"{AttemptPrefix}{phone}~{number:D2}";

    public static TableEntity DueEntity(string partitionKey, Instant at, string phone) => new(partitionKey, DueKey(at, phone)) { ["Phone"] = phone };

    public static TableEntity ToEntity(ShardState s) => new(s.PartitionKey, StateKey)
    {
        ["AccountId"] = s.Settings.AccountId,
        ["MaxAttempts"] = s.Settings.MaxAttempts,
        ["RetryIntervalMinutes"] = s.Settings.RetryIntervalMinutes,
        ["ScheduleEnd"] = s.Settings.ScheduleEnd?.ToDateTimeOffset(),
        ["Total"] = s.Total,
        ["Unresolved"] = s.Unresolved,
        ["InProgress"] = s.InProgress,
        ["CallsMade"] = s.CallsMade,
        ["CallsConnected"] = s.CallsConnected,
        ["Dispositions"] = JsonSerializer.Serialize(s.Dispositions),
        ["FreshCursor"] = s.FreshCursor,
        ["FreshDone"] = s.FreshDone,
    };

    public static ShardState StateFrom(TableEntity e) => new(
        e.PartitionKey,
        new ShardSettings(
            e.GetString("AccountId") ?? "",
            e.GetInt32("MaxAttempts") ?? 1,
            e.GetInt32("RetryIntervalMinutes") ?? 240,
            e.GetDateTimeOffset("ScheduleEnd") is { } end ? Instant.FromDateTimeOffset(end) : null),
        e.GetInt32("Total") ?? 0,
        e.GetInt32("Unresolved") ?? 0,
        e.GetInt32("InProgress") ?? 0,
        e.GetInt32("CallsMade") ?? 0,
        e.GetInt32("CallsConnected") ?? 0,
        JsonSerializer.Deserialize<Dictionary<string, int>>(e.GetString("Dispositions") ?? "{}") ?? [],
        e.GetString("FreshCursor") ?? "",
        e.GetBoolean("FreshDone") ?? false,
        e.ETag);

    public static TableEntity ToEntity(AttemptRow a) => new(a.PartitionKey, AttemptKey(a.Phone, a.Number))
    {
        ["StartedAt"] = a.StartedAt.ToDateTimeOffset(),
        ["Outcome"] = a.Outcome,
        ["Disposition"] = a.Disposition,
        ["EndedAt"] = a.EndedAt?.ToDateTimeOffset(),
        ["DurationSeconds"] = a.DurationSeconds,
    };

    public static AttemptRow AttemptFrom(TableEntity e)
    {
        var parts = e.RowKey[AttemptPrefix.Length..].Split('~');
        var ended = e.GetDateTimeOffset("EndedAt");
        return new AttemptRow(e.PartitionKey, parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            Instant.FromDateTimeOffset(e.GetDateTimeOffset("StartedAt")!.Value), e.GetString("Outcome"), e.GetString("Disposition"),
            ended is null ? null : Instant.FromDateTimeOffset(ended.Value), e.GetInt32("DurationSeconds"), e.ETag);
    }
}

/// <summary>Reads and writes of the engine's rows.</summary>
internal sealed class ShardStore(CampaignTables tables)
{
    /// <summary>
    /// The shard rows of a campaign, by point reads side by side: a query over the campaign's partitions would have
    /// to pass every contact row in them to find the one state row each has.
    /// </summary>
    public async Task<List<ShardState>> ReadStatesAsync(string campaignId, int shardCount, CancellationToken cancellationToken)
    {
        var states = new ShardState?[shardCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, shardCount),
            new ParallelOptions { MaxDegreeOfParallelism = MaxReadsInFlight, CancellationToken = cancellationToken },
            async (shard, ct) => states[shard] = await ReadStateAsync(ContactSharding.PartitionKey(campaignId, shard), ct));
        return states.OfType<ShardState>().ToList();
    }

    /// <summary>Point reads one request sends side by side, so a busy moment does not flood the account.</summary>
    private const int MaxReadsInFlight = 8;

    /// <summary>A campaign's progress counters: the sum of its shards' rows, each exact, so the sum is exact.</summary>
    public async Task<global::Campaigns.Domain.Campaigns.CampaignCounters> CountersAsync(string campaignId, int shardCount, CancellationToken cancellationToken)
    {
        var states = await ReadStatesAsync(campaignId, shardCount, cancellationToken);
        var dispositions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var state in states)
        foreach (var (label, count) in state.Dispositions)
            dispositions[label] = dispositions.GetValueOrDefault(label) + count;
        return new(states.Sum(s => s.CallsMade), states.Sum(s => s.CallsConnected), dispositions);
    }

    public async Task<ShardState?> ReadStateAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var response = await tables.Contacts.GetEntityIfExistsAsync<TableEntity>(partitionKey, ShardRows.StateKey, cancellationToken: cancellationToken);
        return response.HasValue ? ShardRows.StateFrom(response.Value!) : null;
    }

    /// <summary>Due-index rows of every shard of a campaign due at or before <paramref name="now"/>, in one query (at most <paramref name="take"/>).</summary>
    public async Task<List<(string PartitionKey, Instant At, string Phone, string RowKey)>> ReadDueAcrossAsync(
        string campaignId, int shardCount, Instant now, int take, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {ContactSharding.PartitionKey(campaignId, 0)} and PartitionKey le {ContactSharding.PartitionKey(campaignId, shardCount - 1)} and RowKey ge {ShardRows.DuePrefix} and RowKey lt {ShardRows.DueUpperBound(now)}");
        var due = new List<(string, Instant, string, string)>(take);
        await foreach (var entity in tables.Contacts.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(1000, take), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            var (at, phone) = ShardRows.ParseDueKey(entity.RowKey);
            due.Add((entity.PartitionKey, at, phone, entity.RowKey));
            if (due.Count == take)
                break;
        }
        return due;
    }

    /// <summary>The earliest due time in (<paramref name="after"/>, <paramref name="before"/>] across a campaign's shards, if any.</summary>
    public async Task<Instant?> NextDueWithinAsync(string campaignId, int shardCount, Instant after, Instant before, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {ContactSharding.PartitionKey(campaignId, 0)} and PartitionKey le {ContactSharding.PartitionKey(campaignId, shardCount - 1)} and RowKey ge {ShardRows.DueUpperBound(after)} and RowKey lt {ShardRows.DueUpperBound(before)}");
        Instant? earliest = null;
        var seen = 0;
        await foreach (var entity in tables.Contacts.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            var at = ShardRows.ParseDueKey(entity.RowKey).At;
            if (earliest is null || at < earliest)
                earliest = at;
            if (++seen >= 5000)
                return after + Duration.FromSeconds(1); // plenty due within the window: look again in a second
        }
        return earliest;
    }

    /// <summary>The earliest due-index row of one shard after <paramref name="now"/>, if any.</summary>
    public async Task<Instant?> NextDueAfterAsync(string partitionKey, Instant now, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {ShardRows.DueUpperBound(now)} and RowKey lt {"~due~~"}");
        await foreach (var entity in tables.Contacts.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
            return ShardRows.ParseDueKey(entity.RowKey).At;
        return null;
    }

    /// <summary>The shard row, and the contact and attempt rows of several attempts, in one query of their partition.</summary>
    public async Task<(ShardState? State, Dictionary<string, StoredContact> Contacts, Dictionary<(string, int), AttemptRow> Attempts)> ReadForOutcomesAsync(
        string partitionKey, IReadOnlyList<(string Phone, int Number)> attempts, CancellationToken cancellationToken)
    {
        var keys = attempts.SelectMany(a => new[] { a.Phone, ShardRows.AttemptKey(a.Phone, a.Number) }).Append(ShardRows.StateKey).Distinct().ToList();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}") + " and (" +
            string.Join(" or ", keys.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}"))) + ")";
        ShardState? state = null;
        var contacts = new Dictionary<string, StoredContact>();
        var attemptRows = new Dictionary<(string, int), AttemptRow>();
        await foreach (var entity in tables.Contacts.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (entity.RowKey == ShardRows.StateKey)
                state = ShardRows.StateFrom(entity);
            else if (entity.RowKey.StartsWith(ShardRows.AttemptPrefix, StringComparison.Ordinal))
            {
                var row = ShardRows.AttemptFrom(entity);
                attemptRows[(row.Phone, row.Number)] = row;
            }
            else
                contacts[entity.RowKey] = ContactStore.FromEntity(entity);
        }
        return (state, contacts, attemptRows);
    }

    /// <summary>
    /// Submits one partition's actions as one transaction and returns the new ETag of the last row written (the caller
    /// puts its shard row last); a lost race raises <see cref="ConcurrencyConflictException"/>.
    /// </summary>
    public async Task<ETag?> SubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        if (actions.Count == 0)
            return null;
        try
        {
            var responses = await tables.Contacts.SubmitTransactionAsync(actions, cancellationToken);
            return responses.Value.Count == actions.Count ? responses.Value[^1].Headers.ETag : null;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            throw new ConcurrencyConflictException("A row of the transaction changed concurrently", ex);
        }
    }
}
