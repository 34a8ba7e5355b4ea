using System.Text.Json;
using Azure.Storage.Queues;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Engine;

/// <summary>
/// A wake-up for a campaign's orchestration (<see cref="Wake"/>): why, and when it is due on the app's clock (a look
/// that starts after <see cref="Due"/> has seen the change).
/// </summary>
internal sealed record WakeMessage(string Account, string Campaign, string Reason, DateTimeOffset Due);

/// <summary>A deleted campaign whose contact rows are to be removed.</summary>
internal sealed record PurgeMessage(string Account, string Campaign, int Shards);

/// <summary>A call's result, as the simulator (or a Service Bus consumer) delivers it.</summary>
internal sealed record OutcomeMessage(string Attempt, string Outcome, string? Disposition, int? DurationSeconds);

/// <summary>
/// The engine's Storage queues. Messages are base64-encoded JSON, as the Azure Functions queue trigger expects.
/// <para>Wake-ups go through a queue of their own (<c>campaign-wakes</c>) rather than straight to the orchestration:
/// every part of the app that changes a campaign (HTTP requests, imports, call results, Service Bus messages) sends one
/// without holding a Durable client, results of the same moment share one (<see cref="WakeSoonAsync"/>), and the
/// <c>CampaignWake</c> function that forwards them starts the orchestration when it is missing, which is the repair
/// path after a crash between a campaign's write and its orchestration's start.</para>
/// </summary>
internal sealed class EngineQueues
{
    public const string WakesQueue = "campaign-wakes";
    public const string OutcomesQueue = "call-outcomes";
    public const string PurgeQueue = "campaign-purge";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TimeProvider _time;

    private readonly EngineMetrics _metrics;

    public EngineQueues(StorageOptions storage, EngineOptions options, TimeProvider time, StorageRequestCounter counter, EngineMetrics metrics)
    {
        _time = time;
        _metrics = metrics;
        var clientOptions = storage.Apply(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, counter);
        var service = storage.Connection.Queues(clientOptions);
        Wakes = service.GetQueueClient(options.QueuePrefix + WakesQueue);
        Outcomes = service.GetQueueClient(options.QueuePrefix + OutcomesQueue);
        Purges = service.GetQueueClient(options.QueuePrefix + PurgeQueue);
    }

    public QueueClient Purges { get; }

    public QueueClient Wakes { get; }
    public QueueClient Outcomes { get; }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await Wakes.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Outcomes.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Purges.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    /// <summary>Asks for a deleted campaign's contact rows to be removed (the <c>CampaignPurge</c> queue function).</summary>
    public Task PurgeAsync(string account, string campaign, int shards, CancellationToken cancellationToken) =>
        Purges.SendMessageAsync(JsonSerializer.Serialize(new PurgeMessage(account, campaign, shards), Json), cancellationToken: cancellationToken);

    /// <summary>
    /// Wakes a campaign's orchestration (after an operator action, contacts added or removed, a settings edit), or
    /// starts it if it is not running. The message's due time is when it becomes visible.
    /// </summary>
    public Task WakeAsync(string account, string campaign, string reason, CancellationToken cancellationToken, TimeSpan? after = null)
    {
        Interlocked.Increment(ref _metrics.WakesAsked);
        return Wakes.SendMessageAsync(
            JsonSerializer.Serialize(new WakeMessage(account, campaign, reason, _time.GetUtcNow() + (after ?? TimeSpan.Zero)), Json),
            visibilityTimeout: after, cancellationToken: cancellationToken);
    }

    /// <summary>How long a result's wake-up waits, so that the results of that moment share one look at the campaign.</summary>
    public static readonly TimeSpan WakeWindow = TimeSpan.FromSeconds(1); // queue visibility delays are whole seconds
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTimeOffset Due, long SentAtMs)> _pendingWake = new();

    /// <summary>
    /// Wakes a campaign after a short window, at most once per window from this instance. A change is left to an
    /// earlier wake-up only when both hold: that wake-up is not due yet on the engine's clock, so the orchestration
    /// drops it only for a look that started after this change (<see cref="CampaignOrchestration"/>); and it is still
    /// invisible on the queue (sent less than 0.8 of the window ago in real time), so it is forwarded after this change.
    /// </summary>
    public async Task WakeSoonAsync(string account, string campaign, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var elapsedMs = Environment.TickCount64;
        if (_pendingWake.TryGetValue(campaign, out var pending) && now < pending.Due
            && elapsedMs - pending.SentAtMs < WakeWindow.TotalMilliseconds * 0.8)
        {
            Interlocked.Increment(ref _metrics.WakesAsked);
            Interlocked.Increment(ref _metrics.WakesFolded);
            return;
        }
        _pendingWake[campaign] = (now + WakeWindow, elapsedMs);
        await WakeAsync(account, campaign, reason, cancellationToken, WakeWindow);
    }

    /// <summary>Delivers a call result after <paramref name="delay"/> (the simulator's "call length").</summary>
    public Task SendOutcomeAsync(OutcomeMessage outcome, TimeSpan delay, CancellationToken cancellationToken) =>
        Outcomes.SendMessageAsync(JsonSerializer.Serialize(outcome, Json), visibilityTimeout: delay, cancellationToken: cancellationToken);

    public static T Parse<T>(string json) => JsonSerializer.Deserialize<T>(json, Json) ?? throw new JsonException("empty message");
}
