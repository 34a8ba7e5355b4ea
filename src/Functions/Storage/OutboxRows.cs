using System.Text;
using Azure.Data.Tables;
using Campaigns.Functions.Integration.Events;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>Where outbox rows can live: beside a campaign row, in a contact shard, or beside an upload's summary.</summary>
internal enum OutboxTable
{
    Campaigns,
    Contacts,
    Uploads,
}

/// <summary>One partition that holds (or may hold) outbox rows of a campaign.</summary>
internal readonly record struct OutboxPartition(OutboxTable Table, string PartitionKey)
{
    /// <summary>A one-letter code of the table, for keys of the outbox index.</summary>
    public char Code => Table switch { OutboxTable.Campaigns => 'a', OutboxTable.Contacts => 'c', _ => 'u' };

    public static OutboxPartition FromCode(char code, string partitionKey) => new(code switch
    {
        'a' => OutboxTable.Campaigns,
        'c' => OutboxTable.Contacts,
        'u' => OutboxTable.Uploads,
        _ => throw new FormatException($"unknown outbox table code '{code}'"),
    }, partitionKey);
}

/// <summary>
/// The transactional outbox: the events a transaction announces are ONE row in that transaction's partition, so the
/// change and its announcement are committed together or not at all, and a transaction that claims 90 calls writes one
/// outbox row, not 90. Keys sort by the events' time:
/// <list type="bullet">
/// <item>beside a campaign row (table <c>campaigns</c>, partition = account): <c>outbox_{campaignId}_{ticks}_{firstEventId}</c>;</item>
/// <item>in a contact shard (table <c>contacts</c>) or beside an upload (table <c>uploads</c>): <c>~ob~{ticks}~{firstEventId}</c>,
///   after the shard's <c>~due~</c> rows and the upload's <c>~upload</c> row, before everything else of those tables.</item>
/// </list>
/// The events themselves are packed (<see cref="PackedColumns"/>), in the order the transaction made them. Every event
/// of one row belongs to one campaign and carries one time (a transaction stamps one instant). The relay
/// (<see cref="Integration.Events.EventRelay"/>) finds the partitions through the campaign's <see cref="OutboxIndex"/>,
/// moves the events into the campaign's stream, and deletes the rows.
/// </summary>
internal static class OutboxRows
{
    public const string ShardPrefix = "~ob~";
    public const string ShardEnd = "~ob~~";
    private const string CampaignPrefix = "outbox_";

    /// <summary>The first key of <paramref name="campaignId"/>'s outbox rows in <paramref name="partition"/>'s table.</summary>
    public static string RowStart(OutboxPartition partition, string campaignId) =>
        partition.Table == OutboxTable.Campaigns ? $"{CampaignPrefix}{campaignId}_" : ShardPrefix;

    /// <summary>Sorts after every key that starts with <see cref="RowStart"/> ('~' follows every character of an id or tick).</summary>
    public static string RowEnd(OutboxPartition partition, string campaignId) =>
        partition.Table == OutboxTable.Campaigns ? $"{CampaignPrefix}{campaignId}_~" : ShardEnd;

    /// <summary>An insert of the outbox row of a campaign-row transaction (partition = account).</summary>
    public static TableTransactionAction InCampaignPartition(string accountId, params IReadOnlyList<OutboxEvent> events) =>
        new(TableTransactionActionType.Add, Pack(accountId, $"{CampaignPrefix}{events[0].CampaignId}_{Ticks(events)}_{events[0].Id}", events));

    /// <summary>An insert of the outbox row of a contact-shard or upload transaction.</summary>
    public static TableTransactionAction InShardPartition(string partitionKey, params IReadOnlyList<OutboxEvent> events) =>
        new(TableTransactionActionType.Add, Pack(partitionKey, $"{ShardPrefix}{Ticks(events)}~{events[0].Id}", events));

    /// <summary>Whether an action of a transaction is an outbox row (the store then registers the partition first).</summary>
    public static bool IsOutboxRow(TableTransactionAction action) =>
        action.ActionType == TableTransactionActionType.Add
        && (action.Entity.RowKey.StartsWith(ShardPrefix, StringComparison.Ordinal) || action.Entity.RowKey.StartsWith(CampaignPrefix, StringComparison.Ordinal));

    /// <summary>The account and campaign an outbox row announces for.</summary>
    public static (string AccountId, string CampaignId) Owner(ITableEntity row) =>
        row is TableEntity e ? (e.GetString("Account")!, e.GetString("CampaignId")!) : throw new ArgumentException("not an outbox row", nameof(row));

    private static string Ticks(IReadOnlyList<OutboxEvent> events) => events.Max(e => e.Time).ToUnixTimeTicks().ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    private static TableEntity Pack(string partitionKey, string rowKey, IReadOnlyList<OutboxEvent> events)
    {
        if (events.Count == 0)
            throw new ArgumentException("an outbox row announces at least one event", nameof(events));
        var first = events[0];
        if (events.Any(e => e.CampaignId != first.CampaignId || e.AccountId != first.AccountId))
            throw new ArgumentException("one outbox row announces events of one campaign", nameof(events));
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            foreach (var e in events)
            {
                writer.Write(e.Id);
                writer.Write(e.Type);
                writer.Write(e.Time.ToUnixTimeTicks());
                writer.Write(e.Subject);
                writer.Write(e.Data);
            }
        }
        var entity = new TableEntity(partitionKey, rowKey)
        {
            ["Account"] = first.AccountId,
            ["CampaignId"] = first.CampaignId,
            ["TimeTicks"] = events.Max(e => e.Time).ToUnixTimeTicks(),
            ["Count"] = events.Count,
        };
        PackedColumns.WriteCompressed(entity, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return entity;
    }
}

/// <summary>A transaction with outbox rows in <see cref="Partition"/> is about to commit, or has: what the signal needs.</summary>
internal readonly record struct OutboxTicket(string AccountId, string CampaignId, OutboxPartition Partition, long MarkedAtTicks);

/// <summary>
/// What a store tells the outbox around a transaction that holds outbox rows: <see cref="BeforeCommitAsync"/> registers
/// the partition in the campaign's outbox index (so the relay reads it), <see cref="CommittedAsync"/> asks the relay to
/// look soon. A lost signal (a crash right after the commit) is made good by the sweep, which relays every campaign
/// whose index names a partition.
/// </summary>
internal interface IOutboxSignal
{
    Task<OutboxTicket> BeforeCommitAsync(string accountId, string campaignId, OutboxPartition partition, CancellationToken cancellationToken);

    Task CommittedAsync(OutboxTicket ticket, CancellationToken cancellationToken);
}

/// <summary>Commits a transaction that may hold an outbox row, with the outbox protocol around it.</summary>
internal static class OutboxTransactions
{
    /// <summary>
    /// Submits <paramref name="actions"/> as one transaction. When one of them is an outbox row, its partition is
    /// registered in the campaign's outbox index first and the relay is signalled after the commit.
    /// </summary>
    public static async Task<Azure.Response<IReadOnlyList<Azure.Response>>> SubmitAsync(this IOutboxSignal outbox, TableClient table, OutboxTable kind,
        IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        var row = actions.FirstOrDefault(OutboxRows.IsOutboxRow);
        if (row is null)
            return await table.SubmitTransactionAsync(actions, cancellationToken);
        var (account, campaign) = OutboxRows.Owner(row.Entity);
        var ticket = await outbox.BeforeCommitAsync(account, campaign, new OutboxPartition(kind, row.Entity.PartitionKey), cancellationToken);
        var response = await table.SubmitTransactionAsync(actions, cancellationToken);
        await outbox.CommittedAsync(ticket, cancellationToken);
        return response;
    }
}
