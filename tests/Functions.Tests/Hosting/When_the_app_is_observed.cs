using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Campaigns.Domain.Calls;
using Campaigns.Functions.Hosting;
using Campaigns.Functions.Tests.Engine;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.Functions.VoiceAgents;
using Campaigns.LocalHost.Invocation;
using Campaigns.Functions.Tests.Webhooks;
using Microsoft.AspNetCore.Http;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Campaigns.Functions.Tests.Hosting;

/// <summary>
/// What an operator sees of a running app: one trace per invocation across the host and the worker, the campaign
/// metrics, and logs that never carry a phone number in full, an API key or a secret.
/// </summary>
public sealed class When_the_app_is_observed(ObservedAppFixture app) : IClassFixture<ObservedAppFixture>
{
    private const string WebhookSecret = "whsec_observed_0123456789";

    [Fact]
    public async Task An_invocation_is_one_trace_from_the_caller_through_the_host_to_the_worker()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is HostTelemetry.SourceName or "Microsoft.Azure.Functions.Worker",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var caller = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("traceparent", $"00-{caller}-{ActivitySpanId.CreateRandom()}-01");

        using var response = await app.ClientWith(null).SendAsync(request);

        response.EnsureSuccessStatusCode();
        var host = await Eventually.UntilAsync(() => Task.FromResult(spans.FirstOrDefault(s => s.Source.Name == HostTelemetry.SourceName && s.TraceId == caller)), s => s is not null, "the host's span");
        var worker = await Eventually.UntilAsync(() => Task.FromResult(spans.FirstOrDefault(s => s.Source.Name != HostTelemetry.SourceName && s.TraceId == caller)), s => s is not null, "the worker's span");
        Assert.Equal("Invoke Health", host!.DisplayName);
        Assert.Equal(host.SpanId, worker!.ParentSpanId);
    }

    [Fact]
    public async Task Logs_mask_numbers_and_never_hold_keys_while_metrics_count_what_happened()
    {
        using var metrics = AppMetrics.Listen(app);
        await using var failing = await WebhookReceiver.StartAsync();
        failing.Respond = http =>
        {
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        };
        var (client, apiKey) = await app.NewAccountAsync();
        var hook = await client.PostAsJsonAsync("/v1/webhooks", new { url = failing.Url().ToString(), events = new[] { "*" }, secret = WebhookSecret });
        Assert.Equal(HttpStatusCode.Created, hook.StatusCode);
        var refused = Scenario.NewYork(71);
        var answered = Scenario.NewYork(72);
        var retried = Scenario.NewYork(73);
        app.Refuse(refused);

        var id = await Scenario.CreateAsync(client, [Scenario.Contact(refused), Scenario.Contact(answered, "interested"), Scenario.Contact(retried, "no_answer")],
            maxAttempts: 2, retryMinutes: 1);
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c[retried]["attempts"]!.GetValue<int>() == 1 && c[retried]["status"]!.GetValue<string>() == "pending", "the first attempt is over");
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var done = await Scenario.UntilStatusAsync(client, id, "completed");

        // Five attempts: two refused by the provider (claimed, never started), one answered, two unanswered.
        Assert.Equal(5, done["calls_made"]!.GetValue<int>());
        Assert.Equal(3, await metrics.UntilSumAsync("campaigns.calls.started", 3));
        Assert.Equal(1, metrics.Sum("campaigns.calls.connected"));
        Assert.True(metrics.Count("campaigns.retry.lateness") >= 2, "both retries (the refused contact's and the unanswered one's) measured");
        Assert.True(await metrics.UntilSumAsync("campaigns.webhook.failures", 1) >= 1);
        Assert.True(metrics.Count("campaigns.outbox.age") > 0, "the relay measured the outbox rows it moved");

        var logs = app.Logs.ToList();
        var refusals = logs.Where(l => l.Contains("refused attempt", StringComparison.Ordinal) && l.Contains(id + ".", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, refusals.Count);
        Assert.All(refusals, refusal => Assert.Contains(PhoneMask.Digits(refused.TrimStart('+')), refusal)); // the attempt, masked, and the provider's text, masked
        foreach (var secret in new[] { refused.TrimStart('+'), answered.TrimStart('+'), retried.TrimStart('+'), apiKey, app.DevApiKey, WebhookSecret })
            Assert.DoesNotContain(logs, l => l.Contains(secret, StringComparison.Ordinal));
    }
}

/// <summary>Instant simulated calls; a voice agent that refuses the numbers it is told to, naming them as providers do; every log line kept.</summary>
public sealed class ObservedAppFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "0",
    ["Events:MaxDelaySeconds"] = "1",
})
{
    private readonly ConcurrentDictionary<string, bool> _refused = new();

    public ConcurrentQueue<string> Logs { get; } = new();

    public void Refuse(string phone) => _refused[phone] = true;

    protected override LogLevel WorkerLogLevel => LogLevel.Information;

    protected override void ConfigureWorker(IServiceCollection services)
    {
        services.AddSingleton<ILoggerProvider>(new KeepingLoggerProvider(Logs));
        services.AddSingleton<IVoiceAgent>(sp => new RefusingVoiceAgent(sp.GetRequiredService<SimulatedVoiceAgent>(), _refused));
    }

    private sealed class RefusingVoiceAgent(SimulatedVoiceAgent inner, ConcurrentDictionary<string, bool> refused) : IVoiceAgent
    {
        public int Concurrency => inner.Concurrency;

        public Task PlaceCallAsync(CallRequest request, CancellationToken cancellationToken) =>
            refused.ContainsKey(request.Attempt.E164)
                ? throw new VoiceAgentException($"HTTP 422 from provider: destination {request.Attempt.E164} is on the carrier's block list")
                : inner.PlaceCallAsync(request, cancellationToken);

        public Task ConnectedAsync(AttemptId attempt, Instant at, string? note, CancellationToken cancellationToken) =>
            inner.ConnectedAsync(attempt, at, note, cancellationToken);
    }

    /// <summary>Every entry as text: the formatted message, each structured value, the scope-free exception.</summary>
    private sealed class KeepingLoggerProvider(ConcurrentQueue<string> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Keeper(categoryName, logs);

        public void Dispose()
        {
        }

        private sealed class Keeper(string category, ConcurrentQueue<string> logs) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" | ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                logs.Enqueue($"{category} {logLevel}: {formatter(state, exception)} [{values}] {exception}");
            }
        }
    }
}
