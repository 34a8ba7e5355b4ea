using System.Net.Http.Json;
using System.Text.Json;
using Campaigns.Functions.Network;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.VoiceAgents;

/// <summary>Settings of the HTTP voice-agent adapter (section <c>VoiceAgent</c>).</summary>
internal sealed class HttpVoiceAgentOptions
{
    /// <summary><c>simulator</c> (default) or <c>http</c>.</summary>
    public string Kind { get; set; } = "simulator";

    /// <summary>The provider's endpoint that accepts call requests (<c>VoiceAgent__Url</c>).</summary>
    public string? Url { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer</c> to the provider; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The public base URL of this app, for the callback address given to the provider.</summary>
    public string? CallbackBaseUrl { get; set; }

    /// <summary>
    /// Call requests sent to the provider at once (<c>VoiceAgent__Concurrency</c>). Default 64: enough to keep a few
    /// hundred lines busy without opening hundreds of connections to a provider in one moment.
    /// </summary>
    public int Concurrency { get; set; } = 64;
}

/// <summary>
/// A real provider over HTTP. The request carries the campaign, <c>script_id</c>, language, the contact with its
/// custom fields, and the callback URL; its <c>Idempotency-Key</c> header is the attempt id, so a request repeated
/// after a timeout never makes the provider place a second call. The provider reports the result to
/// <c>POST /v1/calls/{call_id}/result</c> with the account's API key. Its connections go through the
/// <see cref="EgressGuard"/>: a <c>VoiceAgent__Url</c> whose host is (or resolves to) a private, loopback, link-local or
/// metadata address is refused before any socket opens, and the attempt is recorded as failed.
/// </summary>
internal sealed class HttpVoiceAgent(HttpClient http, HttpVoiceAgentOptions options) : IVoiceAgent
{
    private const int MaxTries = 3;

    public int Concurrency => Math.Max(1, options.Concurrency);

    /// <summary>
    /// Nothing to send: the provider reports answered calls with <c>POST /v1/calls/{call_id}/answered</c>, whose reply
    /// says whether the call has a slot or waits; a waiting call's provider asks again (the same request is idempotent).
    /// </summary>
    public Task ConnectedAsync(global::Campaigns.Domain.Calls.AttemptId attempt, NodaTime.Instant at, string? note, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public async Task PlaceCallAsync(CallRequest request, CancellationToken cancellationToken)
    {
        var callId = request.Attempt.ToString();
        var body = new
        {
            call_id = callId,
            campaign_id = request.Attempt.CampaignId,
            attempt = request.Attempt.Number,
            script_id = request.ScriptId,
            language = request.Language,
            contact = new
            {
                phone = request.Contact.Phone.E164,
                name = request.Contact.Name,
                timezone = request.Contact.TimeZone,
                custom_fields = JsonDocument.Parse(ContactStore.CustomFieldsJson(request.Contact.CustomFields)).RootElement,
            },
            callback_url = $"{options.CallbackBaseUrl?.TrimEnd('/')}/v1/calls/{callId}/result",
        };
        for (var attempt = 1; ; attempt++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = JsonContent.Create(body) };
            message.Headers.Add("Idempotency-Key", callId);
            if (!string.IsNullOrEmpty(options.ApiKey))
                message.Headers.Authorization = new("Bearer", options.ApiKey);
            try
            {
                using var response = await http.SendAsync(message, cancellationToken);
                if (response.IsSuccessStatusCode)
                    return;
                if ((int)response.StatusCode < 500 && response.StatusCode != System.Net.HttpStatusCode.TooManyRequests || attempt == MaxTries)
                    throw new VoiceAgentException($"The provider refused call {callId}: HTTP {(int)response.StatusCode}");
            }
            catch (HttpRequestException ex) when (EgressRefusedException.In(ex) is { } refused)
            {
                // Not sent, and repeating cannot help: VoiceAgent__Url names an address this deployment does not connect to.
                throw new VoiceAgentException($"Call {callId} was not sent to the provider: {refused.Reason}", ex);
            }
            catch (HttpRequestException ex) when (attempt < MaxTries)
            {
                _ = ex; // transient: the same Idempotency-Key makes the repeat safe
            }
            catch (HttpRequestException ex)
            {
                throw new VoiceAgentException($"The provider could not be reached for call {callId}", ex);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
        }
    }
}

/// <summary>The provider would not take the call; the engine records the attempt as failed.</summary>
internal sealed class VoiceAgentException(string message, Exception? inner = null) : Exception(message, inner);
