using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Campaigns;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>Reads and writes of the engine's rows in the contact partitions (<see cref="ShardRows"/>).</summary>
internal sealed class ShardStore(CampaignTables tables, IOutboxSignal outbox)
{
    /// <summary>Point reads one request sends side by side, so a busy moment does not flood the account.</summary>
    private const int MaxReadsInFlight = 8;

    /// <summary>
    /// The progress of every shard of a campaign, by point reads (results row first, then state row; shards side by
    /// side): a query over the campaign's partitions would have to pass every contact row in them.
    /// </summary>
    public async Task<List<ShardProgress>> ReadProgressAsync(string campaignId, int shardCount, CancellationToken cancellationToken)
    {
        var progress = new ShardProgress?[shardCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, shardCount),
            new ParallelOptions { MaxDegreeOfParallelism = MaxReadsInFlight, CancellationToken = cancellationToken },
            async (shard, ct) => progress[shard] = await ReadProgressAsync(ContactSharding.PartitionKey(campaignId, shard), ct));
        return progress.OfType<ShardProgress>().ToList();
    }

    public async Task<ShardProgress?> ReadProgressAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var results = await ReadResultsAsync(partitionKey, cancellationToken);
        var state = await ReadStateAsync(partitionKey, cancellationToken);
        return state is null ? null : new ShardProgress(state, results ?? ShardResults.New(partitionKey));
    }

    /// <summary>A campaign's progress counters: the sum of its shards' rows, each exact, so the sum is exact.</summary>
    public async Task<CampaignCounters> CountersAsync(string campaignId, int shardCount, CancellationToken cancellationToken)
    {
        var shards = await ReadProgressAsync(campaignId, shardCount, cancellationToken);
        var dispositions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var shard in shards)
        foreach (var (label, count) in shard.State.Dispositions.Concat(shard.Results.Dispositions))
            dispositions[label] = dispositions.GetValueOrDefault(label) + count;
        return new(shards.Sum(s => s.State.CallsMade), shards.Sum(s => s.Results.CallsConnected), dispositions);
    }

    public async Task<ShardState?> ReadStateAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var response = await tables.Contacts.GetEntityIfExistsAsync<TableEntity>(partitionKey, ShardRows.StateKey, cancellationToken: cancellationToken);
        return response.HasValue ? ShardRows.StateFrom(response.Value!) : null;
    }

    public async Task<ShardResults?> ReadResultsAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var response = await tables.Contacts.GetEntityIfExistsAsync<TableEntity>(partitionKey, ShardRows.ResultsKey, cancellationToken: cancellationToken);
        return response.HasValue ? ShardRows.ResultsFrom(response.Value!) : null;
    }

    /// <summary>The results rows of several shards, by point reads side by side, in the order given.</summary>
    public async Task<ShardResults?[]> ReadResultsAsync(IReadOnlyList<string> partitionKeys, CancellationToken cancellationToken)
    {
        var results = new ShardResults?[partitionKeys.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, partitionKeys.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxReadsInFlight, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await ReadResultsAsync(partitionKeys[i], ct));
        return results;
    }

    /// <summary>Due-index rows of every shard of a campaign due at or before <paramref name="now"/>, in one query (at most <paramref name="take"/>).</summary>
    public async Task<List<(string PartitionKey, Instant At, string? Phone, string RowKey)>> ReadDueAcrossAsync(
        string campaignId, int shardCount, Instant now, int take, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {ContactSharding.PartitionKey(campaignId, 0)} and PartitionKey le {ContactSharding.PartitionKey(campaignId, shardCount - 1)} and RowKey ge {ShardRows.DuePrefix} and RowKey lt {ShardRows.DueUpperBound(now)}");
        var due = new List<(string, Instant, string?, string)>(take);
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
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {ShardRows.DueUpperBound(now)} and RowKey lt {ShardRows.DueEnd}");
        await foreach (var entity in tables.Contacts.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
            return ShardRows.ParseDueKey(entity.RowKey).At;
        return null;
    }

    /// <summary>The contacts of one shard with a call in progress (what a watchdog looks at when it falls due).</summary>
    public async Task<List<StoredContact>> DialingAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey lt {ShardRows.Prefix} and Status eq {"dialing"}");
        var dialing = new List<StoredContact>();
        await foreach (var entity in tables.Contacts.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            dialing.Add(ContactStore.FromEntity(entity));
        return dialing;
    }

    /// <summary>
    /// Submits one partition's actions as one transaction and returns each action's new ETag (null for a delete);
    /// a lost race raises <see cref="ConcurrencyConflictException"/>.
    /// </summary>
    public async Task<IReadOnlyList<ETag?>> SubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        if (actions.Count == 0)
            return [];
        try
        {
            var responses = await outbox.SubmitAsync(tables.Contacts, OutboxTable.Contacts, actions, cancellationToken);
            return responses.Value.Count == actions.Count
                ? responses.Value.Select(r => r.Headers.ETag).ToList()
                : actions.Select(_ => (ETag?)null).ToList();
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            throw new ConcurrencyConflictException("A row of the transaction changed concurrently", ex);
        }
    }

    public Task DeleteAsync(string partitionKey, string rowKey, CancellationToken cancellationToken) =>
        tables.Contacts.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken);
}
