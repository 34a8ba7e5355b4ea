using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Campaigns.Domain.Webhooks;
using Campaigns.Functions.Network;
using NodaTime;

namespace Campaigns.Functions.Integration.Webhooks;

/// <summary>
/// What one POST to a webhook came to. <see cref="Delivered"/> only for a 2xx answer; <see cref="StatusCode"/> is null
/// when no answer came (refused connection, DNS, TLS, timeout). <see cref="Error"/> is short and never holds the
/// secret or more than 200 characters of the response body.
/// </summary>
internal sealed record DeliveryAttempt(bool Delivered, int? StatusCode, string? Error, long DurationMs);

/// <summary>
/// POSTs one event to one webhook. The request carries the CloudEvent as the body
/// (<c>application/cloudevents+json; charset=utf-8</c>), <c>Campaigns-Event-Id</c>, <c>Campaigns-Event-Type</c> and
/// <c>Campaigns-Signature</c> (see <see cref="WebhookSignature"/>), signed with the webhook's secret at the time of
/// the attempt. Redirects are not followed (a 3xx is a failed attempt), the whole exchange is limited to 10 seconds,
/// and only the first bytes of a failing answer's body are read. A receiver whose address the egress policy refuses is
/// never connected to: the attempt fails with <c>not sent: {why}</c> and no status code.
/// </summary>
internal sealed partial class WebhookSender(IHttpClientFactory clients, TimeProvider time, ILogger<WebhookSender> logger)
{
    public const string ClientName = "webhooks";
    public const string UserAgent = "Campaigns-Webhooks/1";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const int MaxBodyChars = 200;
    private const int MaxErrorChars = 300;
    private static readonly MediaTypeHeaderValue CloudEventsJson = MediaTypeHeaderValue.Parse("application/cloudevents+json; charset=utf-8");
    private static readonly MediaTypeHeaderValue CloudEventsBatchJson = MediaTypeHeaderValue.Parse("application/cloudevents-batch+json; charset=utf-8");

    /// <summary>
    /// The named client: 10 s timeout, no redirects, the webhook User-Agent, and every connection checked by the
    /// <see cref="EgressGuard"/> (a receiver's host may not resolve to a private, loopback, link-local or metadata address).
    /// </summary>
    public static void Configure(IServiceCollection services) =>
        services.AddHttpClient(ClientName, client =>
            {
                client.Timeout = Timeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
            })
            .UseEgressGuard(handler =>
            {
                handler.AllowAutoRedirect = false;
                handler.UseCookies = false;
                handler.ConnectTimeout = Timeout;
                handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5); // picks up DNS changes of long-lived receivers
            });

    /// <summary>POSTs one event (a CloudEvent body).</summary>
    public Task<DeliveryAttempt> SendAsync(
        Webhook hook, string eventId, string eventType, ReadOnlyMemory<byte> body, Instant now, CancellationToken cancellationToken) =>
        SendAsync(hook, eventId, body, now, request =>
        {
            request.Content!.Headers.ContentType = CloudEventsJson;
            request.Headers.TryAddWithoutValidation("Campaigns-Event-Id", eventId);
            request.Headers.TryAddWithoutValidation("Campaigns-Event-Type", eventType);
        }, cancellationToken);

    /// <summary>
    /// POSTs a batch: <paramref name="body"/> is a JSON array of <paramref name="count"/> CloudEvents, in stream order
    /// (<c>application/cloudevents-batch+json</c>), with <c>Campaigns-Event-Count</c> and the first event's id.
    /// </summary>
    public Task<DeliveryAttempt> SendBatchAsync(
        Webhook hook, string firstEventId, int count, ReadOnlyMemory<byte> body, Instant now, CancellationToken cancellationToken) =>
        SendAsync(hook, firstEventId, body, now, request =>
        {
            request.Content!.Headers.ContentType = CloudEventsBatchJson;
            request.Headers.TryAddWithoutValidation("Campaigns-Event-Id", firstEventId);
            request.Headers.TryAddWithoutValidation("Campaigns-Event-Count", count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }, cancellationToken);

    private async Task<DeliveryAttempt> SendAsync(
        Webhook hook, string eventId, ReadOnlyMemory<byte> body, Instant now, Action<HttpRequestMessage> describe, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ReadOnlyMemoryContent(body) };
        describe(request);
        request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Sign(hook.Secret, now, body.Span));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout); // also bounds reading the answer's body, which HttpClient.Timeout does not
        var started = time.GetTimestamp();
        DeliveryAttempt Done(bool delivered, int? status, string? error) =>
            new(delivered, status, error, (long)time.GetElapsedTime(started).TotalMilliseconds);

        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
                return Done(true, status, null);
            var error = $"HTTP {status} {response.ReasonPhrase}".TrimEnd();
            if (response.Headers.Location is { } location && status is >= 300 and < 400)
                error += $" (redirects are not followed; Location: {Shorten(location.ToString(), MaxBodyChars)})";
            var snippet = await BodyStartAsync(response, deadline.Token);
            var attempt = Done(false, status, snippet.Length == 0 ? error : $"{error}: {snippet}");
            Log.Refused(logger, hook.Id, eventId, status);
            return attempt;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.Unreachable(logger, hook.Id, eventId, "timeout");
            return Done(false, null, $"timed out after {Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex) when (EgressRefusedException.In(ex) is { } refused)
        {
            // No socket was opened: the receiver's address is one this deployment does not connect to. A failed attempt
            // like any other (retried on the back-off schedule: the name may be fixed), with the reason in the log.
            Log.Unreachable(logger, hook.Id, eventId, "refused by the egress policy");
            return Done(false, null, Shorten($"not sent: {refused.Reason}", MaxErrorChars));
        }
        catch (HttpRequestException ex)
        {
            Log.Unreachable(logger, hook.Id, eventId, ex.HttpRequestError.ToString());
            return Done(false, null, Shorten($"{Describe(ex.HttpRequestError)}: {ex.Message}", MaxErrorChars));
        }
    }

    /// <summary>At most 200 characters from the start of the answer's body, on one line.</summary>
    private static async Task<string> BodyStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxBodyChars * 4]; // enough UTF-8 for 200 characters
            var read = 0;
            while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is var n and > 0)
                read += n;
            var text = Encoding.UTF8.GetString(buffer, 0, read).ReplaceLineEndings(" ").Trim();
            return Shorten(text, MaxBodyChars);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return "";
        }
    }

    private static string Describe(HttpRequestError error) => error switch
    {
        HttpRequestError.ConnectionError => "connection failed",
        HttpRequestError.NameResolutionError => "host not found",
        HttpRequestError.SecureConnectionError => "TLS handshake failed",
        HttpRequestError.ResponseEnded => "connection closed before a response",
        HttpRequestError.InvalidResponse => "invalid HTTP response",
        _ => "request failed",
    };

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Webhook {WebhookId} answered {StatusCode} to event {EventId}")]
        public static partial void Refused(ILogger logger, string webhookId, string eventId, int statusCode);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Webhook {WebhookId} could not be reached for event {EventId}: {Reason}")]
        public static partial void Unreachable(ILogger logger, string webhookId, string eventId, string reason);
    }
}
