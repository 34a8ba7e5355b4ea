using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>One entry of a campaign's outbox index: a partition that may hold outbox rows, and when it was (re)marked.</summary>
internal sealed record OutboxMark(string CampaignId, string AccountId, OutboxPartition Partition, Instant MarkedAt, ETag ETag);

/// <summary>
/// Which partitions hold a campaign's outbox rows: table <c>outbox</c>, PartitionKey = campaign id, RowKey =
/// <c>{table code}~{partition key}</c>. It lets a relay pass read only partitions that have something to relay, with
/// partition-scoped queries, so its cost follows the events, not the campaign's size; and the sweep finds lost relay
/// signals by scanning this small table instead of every table that can hold outbox rows.
/// <para>The protocol, which never leaves a committed outbox row unmarked:</para>
/// <list type="number">
/// <item>A writer marks the partition BEFORE committing a transaction with outbox rows (an upsert with the writer's
///   time). It may skip the write while its own mark of that partition is younger than <c>reuse</c> seconds.</item>
/// <item>After the commit, if the commit ended later than <c>reuse</c> seconds after the mark it relied on, the writer
///   marks again (a slow commit could otherwise land after a relay cleared the mark).</item>
/// <item>A relay clears a mark (If-Match its ETag) only when the partition had no rows left in a pass that read the
///   marks after the mark was <c>reuse + settle</c> seconds old: every writer that relied on that mark version had
///   finished its commit by then (or re-marks after it), so the pass saw its rows. A writer that marked again since
///   changed the ETag, and the clear fails harmlessly.</item>
/// </list>
/// </summary>
internal sealed class OutboxIndex(CampaignTables tables, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Campaign, char Code, string Partition), long> _marked = new();

    /// <summary>How long a writer reuses its own mark (seconds); the relay keeps a mark at least this long plus the settle time.</summary>
    public double ReuseSeconds { get; init; } = 2;

    private long NowTicks => time.GetUtcNow().UtcTicks;

    private static string RowKey(OutboxPartition partition) => $"{partition.Code}~{partition.PartitionKey}";

    /// <summary>Step 1: marks the partition unless this instance marked it less than <see cref="ReuseSeconds"/> ago. Returns the mark's time (UTC ticks).</summary>
    public async Task<long> MarkAsync(string accountId, string campaignId, OutboxPartition partition, CancellationToken cancellationToken)
    {
        var now = NowTicks;
        var key = (campaignId, partition.Code, partition.PartitionKey);
        if (_marked.TryGetValue(key, out var at) && now >= at && now - at < TimeSpan.FromSeconds(ReuseSeconds).Ticks)
            return at;
        await WriteAsync(accountId, campaignId, partition, now, cancellationToken);
        _marked[key] = now;
        if (_marked.Count > 10_000)
            Prune(now);
        return now;
    }

    /// <summary>Step 2: after the commit, marks again when the commit outlived the mark's reuse window.</summary>
    public async Task CommittedAsync(string accountId, string campaignId, OutboxPartition partition, long markedAt, CancellationToken cancellationToken)
    {
        var now = NowTicks;
        if (now - markedAt < TimeSpan.FromSeconds(ReuseSeconds).Ticks)
            return;
        await WriteAsync(accountId, campaignId, partition, now, cancellationToken);
        _marked[(campaignId, partition.Code, partition.PartitionKey)] = now;
    }

    private Task WriteAsync(string accountId, string campaignId, OutboxPartition partition, long now, CancellationToken cancellationToken) =>
        tables.Outbox.UpsertEntityAsync(new TableEntity(campaignId, RowKey(partition))
        {
            ["Account"] = accountId,
            ["MarkedAt"] = new DateTimeOffset(now, TimeSpan.Zero),
        }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>The campaign's marks: the partitions a relay pass reads.</summary>
    public async Task<List<OutboxMark>> ReadAsync(string campaignId, CancellationToken cancellationToken)
    {
        var marks = new List<OutboxMark>();
        await foreach (var e in tables.Outbox.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {campaignId}"), cancellationToken: cancellationToken))
            marks.Add(FromEntity(e));
        return marks;
    }

    /// <summary>Step 3: clears a mark whose partition was found empty, unless it was marked again since (then it stays).</summary>
    public async Task ClearAsync(OutboxMark mark, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Outbox.DeleteEntityAsync(mark.CampaignId, RowKey(mark.Partition), mark.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Marked again since (a writer is committing there), or cleared by another pass: either way it is right.
        }
    }

    /// <summary>Every campaign that has marks, with its account: what the sweep relays. The table holds only live marks, so this scan stays small.</summary>
    public async Task<HashSet<(string AccountId, string CampaignId)>> CampaignsAsync(CancellationToken cancellationToken)
    {
        var campaigns = new HashSet<(string, string)>();
        await foreach (var e in tables.Outbox.QueryAsync<TableEntity>(select: ["PartitionKey", "Account"], cancellationToken: cancellationToken))
            campaigns.Add((e.GetString("Account")!, e.PartitionKey));
        return campaigns;
    }

    private static OutboxMark FromEntity(TableEntity e) => new(
        e.PartitionKey, e.GetString("Account")!, OutboxPartition.FromCode(e.RowKey[0], e.RowKey[2..]),
        Instant.FromDateTimeOffset(e.GetDateTimeOffset("MarkedAt") ?? DateTimeOffset.UnixEpoch), e.ETag);

    private void Prune(long now)
    {
        var reuse = TimeSpan.FromSeconds(ReuseSeconds).Ticks;
        foreach (var (key, at) in _marked)
        {
            if (now - at >= reuse)
                _marked.TryRemove(key, out _);
        }
    }
}
