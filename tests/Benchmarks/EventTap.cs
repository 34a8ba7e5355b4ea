using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Campaigns.Functions.Integration.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

/// <summary>
/// The two places a benchmark's events go, each timing every arrival: a webhook receiver (a real HTTP listener,
/// subscribed to every event, in batches) and a consumer of the broker topic (a Service Bus subscription, read with the SDK). <see cref="ReportAsync"/> prints the event
/// lag: from the change (the event's time, when its outbox row was written) to its append to the campaign's stream,
/// and to its arrival at each destination.
/// </summary>
internal sealed class EventTap : IAsyncDisposable
{
    private readonly WebApplication _receiver;
    private readonly ServiceBusClient _client;
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _webhook = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _broker = new();

    private EventTap(WebApplication receiver, ServiceBusClient client)
    {
        _receiver = receiver;
        _client = client;
    }

    public string WebhookUrl => _receiver.Urls.First() + "/hook";

    public static async Task<EventTap> StartAsync(string serviceBus, string topic)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var receiver = builder.Build();
        var tap = new EventTap(receiver, new ServiceBusClient(serviceBus));
        receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            var at = DateTimeOffset.UtcNow;
            using var body = await JsonDocument.ParseAsync(request.Body);
            IEnumerable<JsonElement> events = body.RootElement.ValueKind == JsonValueKind.Array ? body.RootElement.EnumerateArray() : [body.RootElement];
            foreach (var e in events)
                tap._webhook.TryAdd(e.GetProperty("id").GetString()!, at);
            return Results.Ok();
        });
        await receiver.StartAsync();
        // Receive-and-delete in batch receives, each asking for up to 1,000 at once: it returns as soon as messages
        // are there, so the arrival times are the broker's. (A prefetching processor stalled against the test broker:
        // tests/ServiceBusTestBroker/README.md, "Known open problem".)
        var reader = tap._client.CreateReceiver(topic, BenchBroker.Subscription, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        tap._reading = Task.Run(async () =>
        {
            await using var _ = reader;
            while (!tap._stop.IsCancellationRequested)
            {
                try
                {
                    foreach (var message in await reader.ReceiveMessagesAsync(1000, TimeSpan.FromSeconds(1), tap._stop.Token))
                        tap._broker.TryAdd(message.MessageId, DateTimeOffset.UtcNow);
                }
                catch (OperationCanceledException) when (tap._stop.IsCancellationRequested)
                {
                }
                catch (ServiceBusException ex)
                {
                    Console.WriteLine($"  event tap: {ex.Reason}: {ex.Message}");
                }
            }
        });
        return tap;
    }

    /// <summary>
    /// Subscribes the receiver as a webhook of the benchmark's account: every event, in batches of up to 100 (what a
    /// receiver of a campaign dialing hundreds of calls a second would ask for; one event a request is bound by the
    /// round trip, docs/events.md).
    /// </summary>
    public async Task SubscribeAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/v1/webhooks", new { url = WebhookUrl, batch_size = 100 });
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /v1/webhooks: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Longer than an outbox row waits to settle (1 s) plus the relay message's wait on its queue (at most 1 s).</summary>
    private static readonly TimeSpan StreamQuiet = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Waits (at most <paramref name="wait"/>) until both destinations have every event of the campaigns' streams and
    /// the streams have not grown for <see cref="StreamQuiet"/> (the last events of a run may still be in the outbox
    /// when it ends: they count too), then prints the lags, p50 and p99, with how many events each destination got.
    /// </summary>
    public async Task ReportAsync(EventStreamStore streams, IReadOnlyCollection<string> campaigns, TimeSpan wait, string indent = "  ")
    {
        var events = new List<StreamEvent>();
        var deadline = DateTimeOffset.UtcNow + wait;
        var (lastCount, grewAt) = (-1, DateTimeOffset.UtcNow);
        while (true)
        {
            events.Clear();
            foreach (var campaign in campaigns)
            {
                for (long after = 0; ;)
                {
                    var page = await streams.ReadAsync(campaign, after, 5_000, CancellationToken.None);
                    if (page.Count == 0)
                        break;
                    events.AddRange(page);
                    after = page[^1].Sequence;
                }
            }
            if (events.Count != lastCount)
                (lastCount, grewAt) = (events.Count, DateTimeOffset.UtcNow);
            var quiet = DateTimeOffset.UtcNow - grewAt >= StreamQuiet;
            if ((quiet && events.All(e => _webhook.ContainsKey(e.Id) && _broker.ContainsKey(e.Id))) || DateTimeOffset.UtcNow > deadline)
                break;
            await Task.Delay(200);
        }
        static string Lags(List<double> ms) => ms.Count == 0 ? "none" : $"p50 {BenchApp.Percentile(ms, 0.5) / 1000:F2} s, p99 {BenchApp.Percentile(ms, 0.99) / 1000:F2} s, max {ms[^1] / 1000:F2} s";
        List<double> Of(Func<StreamEvent, DateTimeOffset?> arrived) =>
            events.Select(e => arrived(e) is { } at ? (at - e.Time.ToDateTimeOffset()).TotalMilliseconds : double.NaN).Where(x => !double.IsNaN(x)).Order().ToList();
        var appended = Of(e => e.AppendedAt?.ToDateTimeOffset());
        var hooked = Of(e => _webhook.TryGetValue(e.Id, out var at) ? at : null);
        var bused = Of(e => _broker.TryGetValue(e.Id, out var at) ? at : null);
        Console.WriteLine($"{indent}event lag ({events.Count:N0} events; target p99 < 5 s): outbox -> stream {Lags(appended)}; " +
                          $"-> webhook {Lags(hooked)} ({hooked.Count:N0} got); -> broker {Lags(bused)} ({bused.Count:N0} got)");
        if (hooked.Count < events.Count || bused.Count < events.Count)
        {
            Console.WriteLine($"{indent}NOT DELIVERED within {wait.TotalSeconds:F0} s: webhook {events.Count - hooked.Count}, broker {events.Count - bused.Count}");
            // Whose loss: the app's broker cursors say how many events Service Bus accepted from it.
            long accepted = 0;
            foreach (var campaign in campaigns)
                accepted += (await streams.ReadCursorAsync(campaign, EventRelay.BrokerDestination, CancellationToken.None)).Delivered;
            Console.WriteLine($"{indent}the app's broker cursors: {accepted:N0} of {events.Count:N0} events accepted by the broker");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _reading;
        _stop.Dispose();
        await _client.DisposeAsync();
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
    }
}
