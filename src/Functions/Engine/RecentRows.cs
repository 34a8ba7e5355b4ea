using System.Collections.Concurrent;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Engine;

/// <summary>
/// Rows this instance wrote last, with the ETags the writes returned: the contacts whose calls it placed and the
/// results rows it keeps. A result can then be recorded without reading first. Safe because every write names the
/// ETag: if another instance changed a row since, the write fails with 412, the entry is dropped and the row is read
/// again. Bounded: past <see cref="Capacity"/> contacts the cache starts afresh.
/// </summary>
internal sealed class RecentRows
{
    private const int Capacity = 200_000;
    private readonly ConcurrentDictionary<(string Partition, string Phone), StoredContact> _contacts = new();
    private readonly ConcurrentDictionary<string, ShardResults> _results = new();
    private readonly ConcurrentDictionary<string, ShardSettings> _settings = new();

    public void Put(StoredContact contact)
    {
        if (_contacts.Count >= Capacity)
            _contacts.Clear();
        _contacts[(contact.PartitionKey, contact.State.Spec.Phone.E164)] = contact;
    }

    public StoredContact? Contact(string partition, string phone) => _contacts.GetValueOrDefault((partition, phone));

    public void Forget(string partition, string phone) => _contacts.TryRemove((partition, phone), out _);

    public void Put(ShardResults results) => _results[results.PartitionKey] = results;

    public ShardResults? Results(string partition) => _results.GetValueOrDefault(partition);

    public void ForgetResults(string partition) => _results.TryRemove(partition, out _);

    /// <summary>A shard's settings never change once the campaign is created, so they are kept once read.</summary>
    public void Put(string partition, ShardSettings settings) => _settings[partition] = settings;

    public ShardSettings? Settings(string partition) => _settings.GetValueOrDefault(partition);
}
