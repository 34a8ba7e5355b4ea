using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Storage.Queues;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// Work for the <c>EventRelay</c> queue function: <c>relay</c> (move a campaign's outbox rows into its stream, then
/// deliver) or <c>deliver</c> (one destination of one stream, after a back-off).
/// </summary>
internal sealed record EventWork(string Kind, string Account, string Campaign, string? Destination = null);

/// <summary>
/// The queue behind the relay, and the outbox signal: before a commit the partition goes into the campaign's
/// <see cref="OutboxIndex"/>; after it, a relay message per campaign, coalesced per settle window.
/// </summary>
internal sealed partial class EventQueue : IOutboxSignal
{
    public const string QueueName = "event-relay";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly EventsOptions _options;
    private readonly OutboxIndex _index;
    private readonly ILogger<EventQueue> _log;
    private readonly ConcurrentDictionary<string, long> _sentAtMs = new();

    public EventQueue(StorageOptions storage, EngineOptions engine, EventsOptions options, OutboxIndex index, StorageRequestCounter counter, ILogger<EventQueue> log)
    {
        _options = options;
        _index = index;
        _log = log;
        var clientOptions = storage.Apply(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, counter);
        Queue = storage.Connection.Queues(clientOptions).GetQueueClient(engine.QueuePrefix + QueueName);
    }

    public QueueClient Queue { get; }

    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => Queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    private TimeSpan Settle => TimeSpan.FromSeconds(Math.Ceiling(_options.SettleSeconds)); // queue delays are whole seconds

    public async Task<OutboxTicket> BeforeCommitAsync(string accountId, string campaignId, OutboxPartition partition, CancellationToken cancellationToken) =>
        new(accountId, campaignId, partition, await _index.MarkAsync(accountId, campaignId, partition, cancellationToken));

    /// <summary>
    /// After the commit: marks the partition again if the commit was slow (<see cref="OutboxIndex"/>), then asks for a
    /// relay one settle window from now (rows cannot leave sooner). The message is skipped when this instance sent one
    /// for the campaign less than half a window ago: that message is still invisible, so its relay runs after this
    /// commit, and a relay reschedules itself for rows too young to leave. A message that cannot be sent is only
    /// logged: the change is committed and its partition marked, so the sweep relays it within a minute.
    /// </summary>
    public async Task CommittedAsync(OutboxTicket ticket, CancellationToken cancellationToken)
    {
        await _index.CommittedAsync(ticket.AccountId, ticket.CampaignId, ticket.Partition, ticket.MarkedAtTicks, cancellationToken);
        var nowMs = Environment.TickCount64;
        if (Settle > TimeSpan.Zero && _sentAtMs.TryGetValue(ticket.CampaignId, out var sent) && nowMs - sent < Settle.TotalMilliseconds / 2)
            return;
        _sentAtMs[ticket.CampaignId] = nowMs;
        try
        {
            await ScheduleAsync(new EventWork("relay", ticket.AccountId, ticket.CampaignId), Settle, cancellationToken);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _sentAtMs.TryRemove(ticket.CampaignId, out _);
            LogSignalLost(ticket.CampaignId, ex.Message);
        }
    }

    /// <summary>
    /// Asks for <paramref name="work"/> after <paramref name="delay"/>, unless this instance already has a message for the
    /// same work (kind, campaign, destination) due no later and not yet past: that message's pass sees everything this
    /// one would, and schedules again what it finds too young. Without this, every pass that found young rows sent one
    /// more message while signals kept adding theirs, and the messages in flight grew with the campaign's length.
    /// A message past its due time by more than <see cref="ConsumedAfter"/> is taken as consumed.
    /// </summary>
    public async Task ScheduleAsync(EventWork work, TimeSpan delay, CancellationToken cancellationToken)
    {
        var key = (work.Kind, work.Campaign, work.Destination);
        var now = Environment.TickCount64;
        // When the message will really be visible: a long delay is sent capped (MaxDelaySeconds), and the pass it
        // wakes schedules again. Keyed on the uncapped time, that pass would find its own message "pending" and send
        // nothing, and the work would wait for a signal that may never come.
        var visible = Visibility(delay);
        var due = now + (long)(visible?.TotalMilliseconds ?? 0);
        if (_scheduledMs.TryGetValue(key, out var pending) && pending <= due && now <= pending + ConsumedAfter.TotalMilliseconds)
            return;
        _scheduledMs[key] = due;
        if (_scheduledMs.Count > 10_000)
        {
            foreach (var (old, at) in _scheduledMs)
            {
                if (now > at + ConsumedAfter.TotalMilliseconds)
                    _scheduledMs.TryRemove(old, out _);
            }
        }
        try
        {
            await SendAsync(work, delay, cancellationToken);
        }
        catch
        {
            _scheduledMs.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>
    /// A message of <paramref name="work"/> is being handled: the one this instance scheduled is gone once it is due, so a
    /// request for more (a pass that found rows too young) must send again.
    /// </summary>
    public void Consumed(EventWork work)
    {
        var key = (work.Kind, work.Campaign, work.Destination);
        if (_scheduledMs.TryGetValue(key, out var due) && Environment.TickCount64 >= due)
            _scheduledMs.TryRemove(new KeyValuePair<(string, string, string?), long>(key, due));
    }

    private static readonly TimeSpan ConsumedAfter = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<(string Kind, string Campaign, string? Destination), long> _scheduledMs = new();

    /// <summary>Sends <paramref name="work"/> as it is, visible after <paramref name="delay"/> (whole seconds).</summary>
    public Task SendAsync(EventWork work, TimeSpan delay, CancellationToken cancellationToken) =>
        Queue.SendMessageAsync(JsonSerializer.Serialize(work, Json), visibilityTimeout: Visibility(delay), cancellationToken: cancellationToken);

    /// <summary>The visibility delay a message is sent with: whole seconds, at most MaxDelaySeconds (and under 7 days).</summary>
    private TimeSpan? Visibility(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? null : TimeSpan.FromSeconds(Math.Min(Math.Ceiling(delay.TotalSeconds), Math.Min(_options.MaxDelaySeconds, 7 * 24 * 3600 - 1)));

    public static EventWork Parse(string json) => JsonSerializer.Deserialize<EventWork>(json, Json) ?? throw new JsonException("empty message");

    [LoggerMessage(EventId = 5023, Level = LogLevel.Warning, Message = "The relay signal of campaign {CampaignId} could not be sent ({Reason}); the sweep relays its events")]
    private partial void LogSignalLost(string campaignId, string reason);
}
