using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Calls;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>
/// The engine's side of one contact shard's progress (row <c>~state</c>): what the engine and operators change, in the
/// same transaction as the contacts they change. Calls started, contacts removed, contacts the engine resolved without
/// a call (<c>not_dialable</c>, <c>schedule_ended</c>), and the scan position over contacts never tried yet.
/// Results are counted on a row of their own (<see cref="ShardResults"/>), so that claiming dials and recording
/// results never race for one row.
/// </summary>
internal sealed record ShardState(
    string PartitionKey,
    ShardSettings Settings,
    int Total,
    int Removed,
    int CallsMade,
    IReadOnlyDictionary<string, int> Dispositions,
    string FreshCursor,
    bool FreshDone,
    ETag ETag)
{
    public static ShardState New(string partitionKey, ShardSettings settings, int contacts) =>
        new(partitionKey, settings, contacts, 0, 0, new Dictionary<string, int>(), "", contacts == 0, default);

    public ShardState WithDisposition(string label) => this with { Dispositions = ShardRows.Add(Dispositions, label) };
}

/// <summary>
/// The results' side of one contact shard's progress (row <c>~results</c>), changed in the same transaction as the
/// contacts whose results it counts: calls ended, calls connected, and final dispositions given by results.
/// </summary>
internal sealed record ShardResults(string PartitionKey, int CallsEnded, int CallsConnected, IReadOnlyDictionary<string, int> Dispositions, ETag ETag)
{
    public static ShardResults New(string partitionKey) => new(partitionKey, 0, 0, new Dictionary<string, int>(), default);

    public ShardResults WithDisposition(string label) => this with { Dispositions = ShardRows.Add(Dispositions, label) };
}

/// <summary>
/// A shard's progress, from its two rows. Read the results row first and the state row second: counts can then only
/// be over-estimated (a result is never seen before the claim it ends), so pacing stays under its cap and a campaign
/// never completes early.
/// </summary>
internal sealed record ShardProgress(ShardState State, ShardResults Results)
{
    public string PartitionKey => State.PartitionKey;

    public int InProgress => Math.Max(0, State.CallsMade - Results.CallsEnded);

    public int Unresolved => State.Total - State.Removed - State.Dispositions.Values.Sum() - Results.Dispositions.Values.Sum();
}

/// <summary>What an outcome needs to know of its campaign, copied onto every shard row at creation.</summary>
internal sealed record ShardSettings(string AccountId, int MaxAttempts, int RetryIntervalMinutes, Instant? ScheduleEnd)
{
    public RetrySettings Retry => new(MaxAttempts, RetryIntervalMinutes, ScheduleEnd);
}

/// <summary>RowKeys of the engine's rows in a contact partition. All start with '~', after every E.164 number.</summary>
internal static class ShardRows
{
    public const string Prefix = "~";
    public const string StateKey = "~state";
    public const string ResultsKey = "~results";
    public const string DuePrefix = "~due~";
    private const char WatchdogMark = 'w';

    /// <summary>The due index: one row per contact the engine must look at again, ordered by when.</summary>
    public static string DueKey(Instant at, string phone) => $"{DuePrefix}{at.ToUnixTimeTicks():D19}~{phone}";

    /// <summary>
    /// A watchdog: one row per claim transaction, due when its attempts time out. When it falls due the engine looks
    /// for contacts of its shard still dialing an attempt that started before the timeout, and records those as failed.
    /// </summary>
    public static string WatchdogKey(Instant at) => $"{DuePrefix}{at.ToUnixTimeTicks():D19}~{WatchdogMark}{Guid.NewGuid():N}";

    /// <summary>The first due key strictly after every row due at or before <paramref name="now"/>.</summary>
    public static string DueUpperBound(Instant now) => $"{DuePrefix}{now.ToUnixTimeTicks() + 1:D19}";

    public const string DueEnd = "~due~~";

    /// <summary>The due time and the contact's number of a due row; the number is null for a watchdog row.</summary>
    public static (Instant At, string? Phone) ParseDueKey(string rowKey)
    {
        var rest = rowKey.AsSpan(DuePrefix.Length);
        var at = Instant.FromUnixTimeTicks(long.Parse(rest[..19], CultureInfo.InvariantCulture));
        var tail = rest[20..].ToString();
        return (at, tail.Length > 0 && tail[0] == WatchdogMark ? null : tail);
    }

    public static TableEntity DueEntity(string partitionKey, Instant at, string phone) => new(partitionKey, DueKey(at, phone));

    internal static IReadOnlyDictionary<string, int> Add(IReadOnlyDictionary<string, int> counts, string label)
    {
        var copy = new Dictionary<string, int>(counts) { [label] = counts.GetValueOrDefault(label) + 1 };
        return copy;
    }

    public static TableEntity ToEntity(ShardState s) => new(s.PartitionKey, StateKey)
    {
        ["AccountId"] = s.Settings.AccountId,
        ["MaxAttempts"] = s.Settings.MaxAttempts,
        ["RetryIntervalMinutes"] = s.Settings.RetryIntervalMinutes,
        ["ScheduleEnd"] = s.Settings.ScheduleEnd?.ToDateTimeOffset(),
        ["Total"] = s.Total,
        ["Removed"] = s.Removed,
        ["CallsMade"] = s.CallsMade,
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
        e.GetInt32("Removed") ?? 0,
        e.GetInt32("CallsMade") ?? 0,
        Counts(e.GetString("Dispositions")),
        e.GetString("FreshCursor") ?? "",
        e.GetBoolean("FreshDone") ?? false,
        e.ETag);

    public static TableEntity ToEntity(ShardResults r) => new(r.PartitionKey, ResultsKey)
    {
        ["CallsEnded"] = r.CallsEnded,
        ["CallsConnected"] = r.CallsConnected,
        ["Dispositions"] = JsonSerializer.Serialize(r.Dispositions),
    };

    public static ShardResults ResultsFrom(TableEntity e) => new(
        e.PartitionKey, e.GetInt32("CallsEnded") ?? 0, e.GetInt32("CallsConnected") ?? 0, Counts(e.GetString("Dispositions")), e.ETag);

    private static Dictionary<string, int> Counts(string? json) => JsonSerializer.Deserialize<Dictionary<string, int>>(json ?? "{}") ?? [];
}
