using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Dialer;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>
/// An answered call waiting for a free agent slot: abandoned at <paramref name="Deadline"/> (answered + the
/// max_wait_time of its campaign when it was answered) unless a slot frees first. <paramref name="Note"/> is the
/// voice agent's own memo, handed back when the call connects (the simulator keeps there what it will report).
/// </summary>
internal sealed record WaitingCall(string CallId, Instant AnsweredAt, Instant Deadline, string? Note);

/// <summary>
/// One agent pool as stored: the Domain state (slots, round-robin cursor, abandoned count), the call on each slot
/// (the attempt id, parallel to the slots), and the answered calls waiting for a slot, oldest first.
/// </summary>
internal sealed record AgentPoolRow(string AccountId, string PoolKey, AgentPoolState State, IReadOnlyList<string?> CallOnSlot, IReadOnlyList<WaitingCall> Waiting, ETag ETag);

/// <summary>
/// Agent pools: table <c>agentpools</c>, PartitionKey = account id, RowKey = the pool key (<c>agent~{agent_id}</c>, or
/// <c>campaign~{id}</c> for a campaign without an agent). One row per pool, so every instance sees the same slots;
/// every write names the ETag read (a new row is insert-only), and a lost race raises
/// <see cref="ConcurrencyConflictException"/> for the caller to read again and decide again.
/// </summary>
internal sealed class AgentPoolStore(TableServiceClient service, StorageOptions options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly TableClient _table = service.GetTableClient(options.TablePrefix + "agentpools");
    private Task? _created;

    /// <summary>The row key of an agent's pool in an account; characters a RowKey may not hold are escaped.</summary>
    public static string AgentKey(string agentId) => "agent~" + Uri.EscapeDataString(agentId);

    /// <summary>The pool of a campaign that names no agent: its own.</summary>
    public static string CampaignKey(string campaignId) => "campaign~" + campaignId;

    public async Task<AgentPoolRow?> ReadAsync(string accountId, string poolKey, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(accountId, poolKey, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Writes a pool: insert-only when it has no ETag yet, else a replace guarded by its ETag. Returns the new ETag.</summary>
    public async Task<ETag> WriteAsync(AgentPoolRow row, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken);
        var entity = ToEntity(row);
        try
        {
            var response = row.ETag == default
                ? await _table.AddEntityAsync(entity, cancellationToken)
                : await _table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken);
            return response.Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new ConcurrencyConflictException($"Agent pool {row.PoolKey} changed concurrently", ex);
        }
    }

    /// <summary>Deletes a pool (a deleted campaign's own, by retention); a pool that is not there is fine.</summary>
    public async Task DeleteAsync(string accountId, string poolKey, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken);
        try
        {
            await _table.DeleteEntityAsync(accountId, poolKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    private Task EnsureCreatedAsync(CancellationToken cancellationToken) =>
        _created ??= _table.CreateIfNotExistsAsync(cancellationToken);

    private sealed record SlotDto(int Order, long? ConnectedAt, long? BusyUntil, long LastIdle, int Calls, long TalkTicks, string? Call);

    private sealed record WaitingDto(string Call, long AnsweredAt, long Deadline, string? Note);

    private static TableEntity ToEntity(AgentPoolRow row) => new(row.AccountId, row.PoolKey)
    {
        ["Slots"] = JsonSerializer.Serialize(row.State.Slots.Select((s, i) => new SlotDto(
            s.Order, s.ConnectedAt?.ToUnixTimeTicks(), s.BusyUntil?.ToUnixTimeTicks(), s.LastBecameIdle.ToUnixTimeTicks(),
            s.CallsTaken, s.TotalTalkTime.BclCompatibleTicks, row.CallOnSlot[i])), Json),
        ["Waiting"] = JsonSerializer.Serialize(row.Waiting.Select(w => new WaitingDto(
            w.CallId, w.AnsweredAt.ToUnixTimeTicks(), w.Deadline.ToUnixTimeTicks(), w.Note)), Json),
        ["RotationCursor"] = row.State.RotationCursor,
        ["Abandoned"] = row.State.Abandoned,
    };

    private static AgentPoolRow FromEntity(TableEntity e)
    {
        var slots = JsonSerializer.Deserialize<SlotDto[]>(e.GetString("Slots") ?? "[]", Json) ?? [];
        var waiting = JsonSerializer.Deserialize<WaitingDto[]>(e.GetString("Waiting") ?? "[]", Json) ?? [];
        static Instant? At(long? ticks) => ticks is { } t ? Instant.FromUnixTimeTicks(t) : null;
        var state = new AgentPoolState(
            slots.Select(s => new AgentSlot(s.Order, At(s.ConnectedAt), At(s.BusyUntil), Instant.FromUnixTimeTicks(s.LastIdle), s.Calls, Duration.FromTicks(s.TalkTicks))).ToArray(),
            e.GetInt32("RotationCursor") ?? -1,
            e.GetInt32("Abandoned") ?? 0);
        return new AgentPoolRow(e.PartitionKey, e.RowKey, state, slots.Select(s => s.Call).ToArray(),
            waiting.Select(w => new WaitingCall(w.Call, Instant.FromUnixTimeTicks(w.AnsweredAt), Instant.FromUnixTimeTicks(w.Deadline), w.Note)).ToArray(), e.ETag);
    }
}
