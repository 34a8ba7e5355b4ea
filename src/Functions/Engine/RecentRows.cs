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
    private readonly ConcurrentDictionary<string, (ShardSettings Settings, long ReadAtMs)> _settings = new();

    /// <summary>
    /// How long a shard's retry settings are trusted: the Campaign Scheduler API can change them (max_number_calls,
    /// min_time_between_calls), and a change must reach every instance by the next tick (dialer_interval >= 2 s).
    /// </summary>
    private const long SettingsLifetimeMs = 2_000;

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

    public void Put(string partition, ShardSettings settings) => _settings[partition] = (settings, Environment.TickCount64);

    /// <summary>A shard's settings read less than <see cref="SettingsLifetimeMs"/> ago, else null (read them again).</summary>
    public ShardSettings? Settings(string partition) =>
        _settings.TryGetValue(partition, out var kept) && Environment.TickCount64 - kept.ReadAtMs < SettingsLifetimeMs ? kept.Settings : null;

    /// <summary>The shard's account, from settings read at any time (an account never changes).</summary>
    public string? AccountOf(string partition) => _settings.TryGetValue(partition, out var kept) ? kept.Settings.AccountId : null;
}
