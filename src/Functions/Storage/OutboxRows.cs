using Azure.Data.Tables;
using Campaigns.Functions.Integration.Events;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>
/// The transactional outbox: an event is a row in the same partition, and the same transaction, as the change it
/// announces, so the change and its announcement are committed together or not at all. Keys sort by the event's time:
/// <list type="bullet">
/// <item>campaign rows (table <c>campaigns</c>, partition = account): <c>outbox_{campaignId}_{ticks}_{eventId}</c>;</item>
/// <item>contact shards (table <c>contacts</c>) and uploads (table <c>uploads</c>): <c>~ob~{ticks}~{eventId}</c>,
///   beside the shard's <c>~state</c>/<c>~results</c>/<c>~due~</c> rows and the upload's <c>~upload</c> row.</item>
/// </list>
/// The relay (<see cref="Integration.Events.EventRelay"/>) moves them into the campaign's event stream and deletes them.
/// </summary>
internal static class OutboxRows
{
    public const string ShardPrefix = "~ob~";
    public const string ShardEnd = "~ob~~";
    private const string CampaignPrefix = "outbox_";

    public static string CampaignRowPrefix(string campaignId) => $"{CampaignPrefix}{campaignId}_";

    /// <summary>Sorts after every key of <see cref="CampaignRowPrefix"/> ('~' follows every character of an id or tick).</summary>
    public static string CampaignRowEnd(string campaignId) => $"{CampaignPrefix}{campaignId}_~";

    public const string AnyCampaignRowStart = CampaignPrefix;
    public const string AnyCampaignRowEnd = "outbox`"; // '`' follows '_'

    public static TableEntity InCampaignPartition(string accountId, OutboxEvent e) =>
        ToEntity(accountId, $"{CampaignRowPrefix(e.CampaignId)}{e.Time.ToUnixTimeTicks():D19}_{e.Id}", e);

    public static TableEntity InShardPartition(string partitionKey, OutboxEvent e) =>
        ToEntity(partitionKey, $"{ShardPrefix}{e.Time.ToUnixTimeTicks():D19}~{e.Id}", e);

    public static TableTransactionAction Add(TableEntity entity) => new(TableTransactionActionType.Add, entity);

    private static TableEntity ToEntity(string partitionKey, string rowKey, OutboxEvent e) => new(partitionKey, rowKey)
    {
        ["EventId"] = e.Id,
        ["Type"] = e.Type,
        ["Time"] = e.Time.ToDateTimeOffset(),
        ["TimeTicks"] = e.Time.ToUnixTimeTicks(),
        ["Account"] = e.AccountId,
        ["CampaignId"] = e.CampaignId,
        ["Subject"] = e.Subject,
        ["Data"] = e.Data,
    };

    public static OutboxEvent FromEntity(TableEntity entity) => new(
        entity.GetString("EventId")!,
        entity.GetString("Type")!,
        Instant.FromUnixTimeTicks(entity.GetInt64("TimeTicks") ?? 0),
        entity.GetString("Account")!,
        entity.GetString("CampaignId")!,
        entity.GetString("Subject") ?? "",
        entity.GetString("Data") ?? "{}");
}

/// <summary>
/// Told after a transaction with outbox rows has committed, so the relay looks soon. Only a hint: a lost signal (a
/// crash right after the commit) is made good by the sweep, which finds outbox rows that have waited too long.
/// </summary>
internal interface IOutboxSignal
{
    /// <param name="uploadPartition">The uploads partition that holds the rows, for an upload's events; null otherwise.</param>
    Task WrittenAsync(string accountId, string campaignId, string? uploadPartition, CancellationToken cancellationToken);
}
