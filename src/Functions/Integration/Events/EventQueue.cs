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
internal sealed record EventWork(string Kind, string Account, string Campaign, string? Uploads = null, string? Destination = null);

/// <summary>The queue behind the relay, and the outbox signal: a relay message per campaign, coalesced per settle window.</summary>
internal sealed class EventQueue : IOutboxSignal
{
    public const string QueueName = "event-relay";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly EventsOptions _options;
    private readonly ConcurrentDictionary<string, long> _sentAtMs = new();

    public EventQueue(StorageOptions storage, EngineOptions engine, EventsOptions options, StorageRequestCounter counter)
    {
        _options = options;
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        clientOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
        Queue = new QueueServiceClient(storage.ConnectionString, clientOptions).GetQueueClient(engine.QueuePrefix + QueueName);
    }

    public QueueClient Queue { get; }

    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => Queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    private TimeSpan Settle => TimeSpan.FromSeconds(Math.Ceiling(_options.SettleSeconds)); // queue delays are whole seconds

    /// <summary>
    /// Asks for a relay one settle window from now (rows cannot leave sooner). Skipped when this instance sent one for
    /// the campaign less than half a window ago: that message is still invisible, so its relay runs after this commit,
    /// and a relay reschedules itself for rows too young to leave. Upload rows always get their own message (it names
    /// their partition).
    /// </summary>
    public async Task WrittenAsync(string accountId, string campaignId, string? uploadPartition, CancellationToken cancellationToken)
    {
        var nowMs = Environment.TickCount64;
        if (uploadPartition is null && Settle > TimeSpan.Zero && _sentAtMs.TryGetValue(campaignId, out var sent) && nowMs - sent < Settle.TotalMilliseconds / 2)
            return;
        _sentAtMs[campaignId] = nowMs;
        await SendAsync(new EventWork("relay", accountId, campaignId, uploadPartition), Settle, cancellationToken);
    }

    public Task SendAsync(EventWork work, TimeSpan delay, CancellationToken cancellationToken) =>
        Queue.SendMessageAsync(JsonSerializer.Serialize(work, Json),
            visibilityTimeout: delay <= TimeSpan.Zero ? null : TimeSpan.FromSeconds(Math.Min(Math.Ceiling(delay.TotalSeconds), Math.Min(_options.MaxDelaySeconds, 7 * 24 * 3600 - 1))),
            cancellationToken: cancellationToken);

    public static EventWork Parse(string json) => JsonSerializer.Deserialize<EventWork>(json, Json) ?? throw new JsonException("empty message");
}
