using System.Text.Json;
using Azure.Storage.Queues;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Engine;

/// <summary>A campaign timer or nudge. <see cref="Token"/> null = a nudge (look now); otherwise a durable timer.</summary>
internal sealed record TimerMessage(string Account, string Campaign, string? Token, DateTimeOffset Due);

/// <summary>A deleted campaign whose contact rows are to be removed.</summary>
internal sealed record PurgeMessage(string Account, string Campaign, int Shards);

/// <summary>A call's result, as the simulator (or a Service Bus consumer) delivers it.</summary>
internal sealed record OutcomeMessage(string Attempt, string Outcome, string? Disposition, int? DurationSeconds);

/// <summary>
/// The engine's Storage queues. Messages are base64-encoded JSON, as the Azure Functions queue trigger expects.
/// A durable timer is a message made invisible until it is due (at most 7 days; longer waits are chained).
/// </summary>
internal sealed class EngineQueues
{
    public const string TimersQueue = "campaign-timers";
    public const string OutcomesQueue = "call-outcomes";
    public const string PurgeQueue = "campaign-purge";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly EngineOptions _options;
    private readonly TimeProvider _time;

    public EngineQueues(StorageOptions storage, EngineOptions options, TimeProvider time, StorageRequestCounter counter)
    {
        _options = options;
        _time = time;
        var clientOptions = storage.Apply(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, counter);
        var service = new QueueServiceClient(storage.ConnectionString, clientOptions);
        Timers = service.GetQueueClient(options.QueuePrefix + TimersQueue);
        Outcomes = service.GetQueueClient(options.QueuePrefix + OutcomesQueue);
        Purges = service.GetQueueClient(options.QueuePrefix + PurgeQueue);
    }

    public QueueClient Purges { get; }

    public QueueClient Timers { get; }
    public QueueClient Outcomes { get; }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await Timers.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Outcomes.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Purges.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    /// <summary>Asks for a deleted campaign's contact rows to be removed (the <c>CampaignPurge</c> queue function).</summary>
    public Task PurgeAsync(string account, string campaign, int shards, CancellationToken cancellationToken) =>
        Purges.SendMessageAsync(JsonSerializer.Serialize(new PurgeMessage(account, campaign, shards), Json), cancellationToken: cancellationToken);

    /// <summary>Sends a timer for <paramref name="due"/>, invisible until then (or until the longest delay, then chained).</summary>
    public async Task SendTimerAsync(string account, string campaign, string? token, Instant due, CancellationToken cancellationToken)
    {
        var now = Instant.FromDateTimeOffset(_time.GetUtcNow());
        var delay = due - now;
        var seconds = Math.Clamp(delay.TotalSeconds, 0, _options.MaxTimerDelaySeconds);
        var message = JsonSerializer.Serialize(new TimerMessage(account, campaign, token, due.ToDateTimeOffset()), Json);
        await Timers.SendMessageAsync(message, visibilityTimeout: TimeSpan.FromSeconds(Math.Ceiling(seconds)), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Asks the engine to look at a campaign (after an operator action, or a result freed a line). The message's due time
    /// is when it becomes visible: a tick that starts after that has seen every change made before it, so the nudge
    /// can be dropped.
    /// </summary>
    public Task NudgeAsync(string account, string campaign, CancellationToken cancellationToken, TimeSpan? after = null) =>
        Timers.SendMessageAsync(
            JsonSerializer.Serialize(new TimerMessage(account, campaign, null, _time.GetUtcNow() + (after ?? TimeSpan.Zero)), Json),
            visibilityTimeout: after, cancellationToken: cancellationToken);

    /// <summary>How long a result's nudge waits, so that the results of that moment share one look at the campaign.</summary>
    public static readonly TimeSpan NudgeWindow = TimeSpan.FromSeconds(1); // queue visibility delays are whole seconds
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTimeOffset Due, long SentAtMs)> _pendingNudge = new();

    /// <summary>
    /// Nudges a campaign after a short window, at most once per window from this instance. A change is left to an
    /// earlier nudge only when both hold: that nudge is not due yet on the engine's clock, so the engine can drop it
    /// only for a tick that started after this change (<see cref="CampaignEngine.HandleAsync"/>); and it is still
    /// invisible on the queue (sent less than 0.8 of the window ago in real time), so it is handled after this change.
    /// </summary>
    public async Task NudgeSoonAsync(string account, string campaign, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var elapsedMs = Environment.TickCount64;
        if (_pendingNudge.TryGetValue(campaign, out var pending) && now < pending.Due
            && elapsedMs - pending.SentAtMs < NudgeWindow.TotalMilliseconds * 0.8)
            return;
        _pendingNudge[campaign] = (now + NudgeWindow, elapsedMs);
        await NudgeAsync(account, campaign, cancellationToken, NudgeWindow);
    }

    /// <summary>Delivers a call result after <paramref name="delay"/> (the simulator's "call length").</summary>
    public Task SendOutcomeAsync(OutcomeMessage outcome, TimeSpan delay, CancellationToken cancellationToken) =>
        Outcomes.SendMessageAsync(JsonSerializer.Serialize(outcome, Json), visibilityTimeout: delay, cancellationToken: cancellationToken);

    public static T Parse<T>(string json) => JsonSerializer.Deserialize<T>(json, Json) ?? throw new JsonException("empty message");
}
