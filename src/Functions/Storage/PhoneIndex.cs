using System.Buffers.Binary;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>
/// The last import of a number in an account: which campaign, when, and by what (<see cref="Source"/>: the campaign
/// id for a single prospect, <c>{campaignId}/{uploadId}/{batch}</c> for an upload batch).
/// </summary>
internal sealed record PhoneRecord(string CampaignId, Instant ImportedAt, string Source)
{
    public static string UploadSource(string campaignId, string uploadId, int batch) => $"{campaignId}/{uploadId}/{batch}";
}

/// <summary>
/// Every number imported in an account, for the dupe check: table <c>phones</c>, PartitionKey = account, one row per
/// bucket (RowKey <c>b0000</c> to <c>b1023</c>, the bucket being the number's stable hash modulo <see cref="Buckets"/>).
/// A bucket row packs its numbers as binary entries (number, import time, source), so an upload batch of 1,000 rows
/// of one contact shard reads and writes 4 rows instead of 1,000, and a million numbers cost 1,024 rows. The latest
/// import of a number wins. Writes are read-merge-write under the row's ETag; a lost race merges again.
/// </summary>
/// <remarks>
/// Buckets line up with contact shards: the shard of a number is the same hash modulo the shard count, and every
/// shard count of a list-fed campaign (256) divides 1,024, so one shard's numbers fall in 4 buckets. An entry is
/// 18 bytes; properties hold at most 60,000 bytes each (the limit is 64 KiB), and a row at most 15 of them, so a
/// bucket holds 50,000 numbers and an account about 51 million; beyond that an import fails with "bucket full" rather
/// than lose an entry. Fewer, larger buckets cost more bytes per write but fewer requests, which is what an import of
/// a million rows pays for.
/// </remarks>
internal sealed class PhoneIndex(CampaignTables tables)
{
    public const int Buckets = 1024;
    private const int EntryBytes = 18;
    private const int ChunkBytes = PackedColumns.ChunkBytes / EntryBytes * EntryBytes; // whole entries per chunk

    public static int BucketOf(string e164) => (int)(ContactSharding.Hash(e164) % Buckets);

    public async Task<PhoneBucket> ReadAsync(string accountId, int bucket, CancellationToken cancellationToken)
    {
        var row = await tables.Phones.GetEntityIfExistsAsync<TableEntity>(accountId, RowKey(bucket), cancellationToken: cancellationToken);
        return row.HasValue ? PhoneBucket.From(row.Value!) : new PhoneBucket(accountId, bucket);
    }

    public async Task<PhoneRecord?> GetAsync(string accountId, string e164, CancellationToken cancellationToken) =>
        (await ReadAsync(accountId, BucketOf(e164), cancellationToken)).Find(e164);

    public Task RecordAsync(string accountId, string e164, string campaignId, Instant importedAt, CancellationToken cancellationToken) =>
        RecordAsync(accountId, BucketOf(e164), [e164], campaignId, importedAt, cancellationToken);

    /// <summary>
    /// Records imports of numbers of one bucket by <paramref name="source"/> (a campaign id, or an upload batch's
    /// <see cref="PhoneRecord.UploadSource"/>): read, merge, write under the ETag; a lost race merges again.
    /// </summary>
    public async Task RecordAsync(string accountId, int bucket, IReadOnlyCollection<string> e164s, string source, Instant importedAt, CancellationToken cancellationToken,
        PhoneBucket? read = null)
    {
        for (var race = 0; ; race++)
        {
            var current = race == 0 && read is not null ? read : await ReadAsync(accountId, bucket, cancellationToken);
            foreach (var e164 in e164s)
                current.Set(e164, source, importedAt);
            try
            {
                if (current.ETag is { } etag)
                    await tables.Phones.UpdateEntityAsync(current.ToEntity(), etag, TableUpdateMode.Replace, cancellationToken);
                else
                    await tables.Phones.AddEntityAsync(current.ToEntity(), cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && race < 100)
            {
                await Task.Delay(Random.Shared.Next(1, 10 + race * 5), cancellationToken);
            }
        }
    }

    private static string RowKey(int bucket) => $"b{bucket:D4}";

    /// <summary>One bucket row, decoded: number (digits of E.164) → (source, import time); <c>Campaigns</c> holds the sources.</summary>
    internal sealed class PhoneBucket(string accountId, int bucket)
    {
        private readonly Dictionary<long, (int Campaign, long Seconds)> _entries = [];
        private readonly List<string> _campaigns = [];

        public ETag? ETag { get; private set; }

        public int Count => _entries.Count;

        public PhoneRecord? Find(string e164) =>
            _entries.TryGetValue(Digits(e164), out var entry)
                ? new PhoneRecord(_campaigns[entry.Campaign].Split('/')[0], Instant.FromUnixTimeSeconds(entry.Seconds), _campaigns[entry.Campaign])
                : null;

        public void Set(string e164, string source, Instant importedAt)
        {
            var index = _campaigns.IndexOf(source);
            if (index < 0)
            {
                index = _campaigns.Count;
                _campaigns.Add(source);
            }
            _entries[Digits(e164)] = (index, importedAt.ToUnixTimeSeconds());
        }

        public TableEntity ToEntity()
        {
            // Campaigns no entry refers to any more are dropped, and the ordinals renumbered.
            var used = _entries.Values.Select(e => e.Campaign).Distinct().Order().ToList();
            var renumber = used.Select((old, i) => (old, i)).ToDictionary(p => p.old, p => p.i);
            var bytes = new byte[_entries.Count * EntryBytes];
            var at = 0;
            foreach (var (digits, (campaign, seconds)) in _entries)
            {
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), digits);
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at + 8), seconds);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 16), (ushort)renumber[campaign]);
                at += EntryBytes;
            }
            if ((bytes.Length + ChunkBytes - 1) / ChunkBytes > PackedColumns.MaxChunks)
                throw new InvalidOperationException($"Phone bucket {bucket} of account {accountId} is full ({_entries.Count} numbers)");
            var entity = new TableEntity(accountId, RowKey(bucket)) { ["Campaigns"] = JsonSerializer.Serialize(used.Select(i => _campaigns[i])) };
            PackedColumns.Write(entity, bytes, ChunkBytes);
            return entity;
        }

        public static PhoneBucket From(TableEntity entity)
        {
            var bucket = new PhoneBucket(entity.PartitionKey, int.Parse(entity.RowKey.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)) { ETag = entity.ETag };
            bucket._campaigns.AddRange(JsonSerializer.Deserialize<List<string>>(entity.GetString("Campaigns") ?? "[]") ?? []);
            foreach (var bytes in PackedColumns.Chunks(entity))
            {
                for (var at = 0; at + EntryBytes <= bytes.Length; at += EntryBytes)
                {
                    bucket._entries[BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at))] =
                        (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 16)), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at + 8)));
                }
            }
            return bucket;
        }

        private static long Digits(string e164) => long.Parse(e164.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
    }
}
