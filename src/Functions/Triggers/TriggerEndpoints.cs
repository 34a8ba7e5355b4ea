using System.Text.Json;
using Campaigns.Domain.Calls;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Triggers;

/// <summary>
/// The non-HTTP functions, in the custom-handler contract: the Functions host (or our local trigger host) POSTs
/// <c>{"Data": {...}, "Metadata": {...}}</c> to <c>/{FunctionName}</c> and expects <c>{"Outputs", "Logs", "ReturnValue"}</c>;
/// any other status makes it retry the message (and, after five tries, move it to the poison queue).
/// </summary>
internal static class TriggerEndpoints
{
    public const string SecretHeader = "X-Campaigns-Trigger-Key";

    public static void MapTriggers(this IEndpointRouteBuilder app)
    {
        var triggers = app.MapGroup("").ExcludeFromDescription().AddEndpointFilter(async (invocation, next) =>
        {
            var secret = invocation.HttpContext.RequestServices.GetRequiredService<TriggerSecret>();
            return secret.Allows(invocation.HttpContext.Request) ? await next(invocation) : Results.NotFound();
        });

        // Idempotent: a timer whose token is no longer the campaign's does nothing, and a tick claims each dial with an ETag.
        triggers.MapPost("/CampaignTimer", async (HttpRequest request, CampaignEngine engine, CancellationToken ct) =>
        {
            var message = await ReadMessageAsync<TimerMessage>(request, "message", ct);
            await engine.HandleAsync(message, ct);
            return Done();
        });

        // Idempotent: OutcomeRecorder keeps the first result of an attempt; a redelivered message is a duplicate.
        triggers.MapPost("/CallOutcome", async (HttpRequest request, OutcomeRecorder recorder, CancellationToken ct) =>
        {
            var message = await ReadMessageAsync<OutcomeMessage>(request, "message", ct);
            if (AttemptId.TryParse(message.Attempt, out var attempt) && CallOutcomeNames.TryParse(message.Outcome, out var outcome))
                await recorder.RecordAsync(attempt, outcome, message.Disposition, message.DurationSeconds, ct);
            return Done(); // a malformed message can never succeed: acknowledged, not retried
        });

        // Idempotent: deleting rows that are gone already changes nothing; a second purge finds fewer rows or none.
        triggers.MapPost("/CampaignPurge", async (HttpRequest request, ContactStore contacts, CancellationToken ct) =>
        {
            var message = await ReadMessageAsync<PurgeMessage>(request, "message", ct);
            await contacts.PurgeAsync(message.Campaign, message.Shards, ct);
            return Done();
        });

        triggers.MapUploadTriggers();

        // Idempotent: a relay pass moves only rows still in the outbox; a delivery sends from its destination's cursor.
        triggers.MapPost("/EventRelay", async (HttpRequest request, EventRelay relay, CancellationToken ct) =>
        {
            var message = await ReadMessageAsync<EventWork>(request, "message", ct);
            await relay.HandleAsync(message, ct);
            return Done();
        });

        // Idempotent: re-sending a timer with the campaign's current token is harmless (stale copies do nothing).
        triggers.MapPost("/CampaignSweep", async (CampaignEngine engine, EventRelay relay, CancellationToken ct) =>
        {
            var repaired = await engine.SweepAsync(ct);
            await relay.SweepAsync(ct); // outbox rows whose relay message was lost
            return Done(repaired > 0 ? $"Re-armed {repaired} campaign timer(s)" : null);
        });
    }

    private static IResult Done(string? log = null) =>
        Results.Json(new Dictionary<string, object?> { ["Outputs"] = new Dictionary<string, object>(), ["Logs"] = log is null ? Array.Empty<string>() : [log], ["ReturnValue"] = null });

    /// <summary>The trigger payload's <c>Data.{binding}</c>: the message text (a JSON string) or, from some hosts, the object itself.</summary>
    private static async Task<T> ReadMessageAsync<T>(HttpRequest request, string binding, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        var data = document.RootElement.GetProperty("Data").GetProperty(binding);
        var json = data.ValueKind == JsonValueKind.String ? data.GetString()! : data.GetRawText();
        return EngineQueues.Parse<T>(json);
    }
}

/// <summary>
/// Keeps the trigger endpoints private. Under the Functions host the handler listens on a port only the host can
/// reach, so no key is needed; anywhere else (run.sh, tests) the local trigger host must present this process's
/// random key, so nobody else on the machine can inject a timer or a call result.
/// </summary>
internal sealed class TriggerSecret(IConfiguration configuration)
{
    public string Value { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    private bool UnderFunctionsHost { get; } = !string.IsNullOrEmpty(configuration["FUNCTIONS_CUSTOMHANDLER_PORT"]);

    public bool Allows(HttpRequest request) =>
        UnderFunctionsHost || System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(request.Headers[TriggerEndpoints.SecretHeader].ToString()),
            System.Text.Encoding.UTF8.GetBytes(Value));
}
