using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

/// <summary>
/// A real HTTP listener plays the voice-agent provider: the app is configured to send its call requests there (at
/// <paramref name="start"/> on the app's clock, with <paramref name="settings"/> besides). Each request is recorded and
/// answered with the status <see cref="Answer"/> chooses.
/// </summary>
public abstract class ProviderListenerFixture : AppFixture
{
    protected ProviderListenerFixture(DateTimeOffset start, Dictionary<string, string?> settings) : this(Azurite.FreePort(), start, settings)
    {
    }

    private ProviderListenerFixture(int port, DateTimeOffset start, Dictionary<string, string?> settings) : base(start, new(settings)
    {
        ["VoiceAgent:Kind"] = "http",
        ["VoiceAgent:Url"] = $"http://127.0.0.1:{port}/calls",
        ["VoiceAgent:ApiKey"] = "provider-secret",
        ["VoiceAgent:CallbackBaseUrl"] = "https://campaigns.example.test",
    })
    {
        Listener = new HttpListener();
        Listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        Listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public HttpListener Listener { get; }

    /// <summary>Each call request received: its headers of interest and its JSON body.</summary>
    public ConcurrentQueue<(string? IdempotencyKey, string? Authorization, JsonObject Body)> Requests { get; } = new();

    /// <summary>The status for a call request (already recorded in <see cref="Requests"/>); 202 accepts it.</summary>
    protected virtual int Answer(JsonObject body) => 202;

    private async Task ServeAsync()
    {
        while (Listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await Listener.GetContextAsync();
            }
            catch (Exception) when (!Listener.IsListening)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
            Requests.Enqueue((context.Request.Headers["Idempotency-Key"], context.Request.Headers["Authorization"], body));
            context.Response.StatusCode = Answer(body);
            context.Response.Close();
        }
    }

    public override async Task DisposeAsync()
    {
        Listener.Stop();
        await base.DisposeAsync();
    }
}

/// <summary>The provider of the scenarios: Monday 2 March 2026, 15:00 UTC; it can refuse the next requests with 503.</summary>
public sealed class HttpProviderFixture() : ProviderListenerFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), [])
{
    /// <summary>How many of the next requests to refuse with 503 (to prove a repeat carries the same key).</summary>
    public int FailNext;

    protected override int Answer(JsonObject body) => Interlocked.Decrement(ref FailNext) >= 0 ? 503 : 202;
}

public sealed class When_a_provider_is_called_over_http(HttpProviderFixture app) : IClassFixture<HttpProviderFixture>
{
    [Fact]
    public async Task The_call_request_carries_the_contact_and_the_callback_records_the_result()
    {
        var (client, _) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(80);
        var contact = Scenario.Contact(phone);
        contact["loan_amount"] = "75000";
        var id = await Scenario.CreateAsync(client, [contact], maxAttempts: 2, retryMinutes: 60);
        app.FailNext = 1; // the provider is briefly unavailable: the adapter repeats with the same key
        await Scenario.StartAsync(client, id);

        var callId = Scenario.CallId(id, phone, 1);
        await Eventually.UntilAsync(() => Task.FromResult(app.Requests.Count(r => r.Body["call_id"]?.GetValue<string>() == callId)), n => n == 2, "the request is repeated once");
        var requests = app.Requests.Where(r => r.Body["call_id"]!.GetValue<string>() == callId).ToList();
        Assert.All(requests, r => Assert.Equal(callId, r.IdempotencyKey));
        Assert.All(requests, r => Assert.Equal("Bearer provider-secret", r.Authorization));
        var body = requests[^1].Body;
        Assert.Equal(id, body["campaign_id"]!.GetValue<string>());
        Assert.Equal("scr_1", body["script_id"]!.GetValue<string>());
        Assert.Equal("en-US", body["language"]!.GetValue<string>());
        Assert.Equal(phone, body["contact"]!["phone"]!.GetValue<string>());
        Assert.Equal("75000", body["contact"]!["custom_fields"]!["loan_amount"]!.GetValue<string>());
        Assert.Equal($"https://campaigns.example.test/v1/calls/{callId}/result", body["callback_url"]!.GetValue<string>());

        var result = await Scenario.ReportAsync(client, callId, "answered", "renewed");
        Assert.True(result["recorded"]!.GetValue<bool>());
        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        Assert.Equal(new Dictionary<string, int> { ["renewed"] = 1 }, done.Dispositions());
        Assert.Equal(1, done["calls_connected"]!.GetValue<int>());
    }
}
