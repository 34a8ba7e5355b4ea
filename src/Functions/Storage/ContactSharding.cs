namespace Campaigns.Functions.Storage;

/// <summary>
/// Contacts of a campaign live in <see cref="ShardCountFor"/> partitions (<c>{campaignId}~{shard:000}</c>), chosen by a
/// stable hash of the phone number, about 500 contacts each (at most 80 partitions, so shards grow past 500 only
/// beyond 40,000 contacts). Azure Table Storage serves about 2,000 entities/s per partition, so a big campaign writes
/// and dials without one hot partition, and every partition stays small, which keeps a wake-up's work the same
/// whatever the campaign's size. Small partitions matter most on Azurite, which finds a row by scanning its partition:
/// at 1,000 contacts a shard the dispatch benchmark ran about 1.6 times faster than at 2,500, and at 500 about 1.2 times
/// faster again (250 gained nothing more; docs/benchmarks.md).
/// The price is reads: a campaign's progress is two rows per shard. The shard count is fixed when the campaign is
/// created and stored on it.
/// </summary>
internal static class ContactSharding
{
    public const int ContactsPerShard = 500;
    public const int MaxShards = 80;

    /// <summary>
    /// Shards of a list-fed campaign (Campaign Scheduler API): its size is not known when it is made, since prospects
    /// arrive by upload later, in lists of up to millions. 256 shards keep a million-prospect campaign at about
    /// 4,000 contacts a partition (an upload then writes near the emulator's small-partition rate and spreads over 256
    /// partitions of about 2,000 entities/s each in Azure); the price is that a tick reads two rows per shard, 512
    /// point reads, whatever the campaign's size. It divides <see cref="PhoneIndex.Buckets"/>, so an upload batch of one
    /// shard touches 4 phone buckets.
    /// </summary>
    public const int OpenCampaignShards = 256;

    public static int ShardCountFor(int contacts) => Math.Clamp((contacts + ContactsPerShard - 1) / ContactsPerShard, 1, MaxShards);

    public static int ShardOf(string e164, int shardCount) => (int)(Hash(e164) % (uint)shardCount);

    /// <summary>FNV-1a of the number: stable across processes and versions, unlike string.GetHashCode.</summary>
    public static uint Hash(string e164)
    {
        var hash = 2166136261u;
        foreach (var c in e164)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        return hash;
    }

    /// <summary>Three digits, so the partitions of a campaign sort in shard order and one range query covers them all.</summary>
    public static string PartitionKey(string campaignId, int shard) => $"{campaignId}~{shard:D3}";

    /// <summary>The shard number of a contact partition key.</summary>
    public static int ShardOfPartition(string partitionKey) =>
        int.Parse(partitionKey.AsSpan(partitionKey.LastIndexOf('~') + 1), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The campaign id of a contact partition key.</summary>
    public static string CampaignOfPartition(string partitionKey) => partitionKey[..partitionKey.LastIndexOf('~')];

    public static string PartitionKeyOf(string campaignId, string e164, int shardCount) =>
        PartitionKey(campaignId, ShardOf(e164, shardCount));
}
