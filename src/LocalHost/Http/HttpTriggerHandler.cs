using System.Net;
using System.Text.Json;
using Campaigns.LocalHost.Grpc;
using Campaigns.LocalHost.Grpc.Messages;
using Campaigns.LocalHost.Invocation;
using Microsoft.AspNetCore.Http.Features;

namespace Campaigns.LocalHost.Http;

/// <summary>
/// Serves the app's HTTP functions as the Functions host does with ASP.NET Core integration: route the request, send
/// the InvocationRequest (an RpcHttp input, the route values and query as trigger metadata) and, at the same time,
/// forward the request itself to the worker's Kestrel with <c>x-ms-invocation-id</c>; the worker answers there. Bodies
/// stream both ways (nothing is buffered whole), so a 30 MB upload or a large download costs a few buffers.
/// </summary>
public sealed partial class HttpTriggerHandler(HttpRouter router, InvocationDispatcher dispatcher, ILogger<HttpTriggerHandler> log) : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    /// <summary>Headers about this hop only: not forwarded (RFC 9110 section 7.6.1), plus Host (the target sets its own).</summary>
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private readonly HttpClient _worker = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // functionTimeout governs, through the cancellation token
    };

    public async Task HandleAsync(HttpContext context)
    {
        var match = router.Match(context.Request.Method, context.Request.Path.Value ?? "/");
        switch (match)
        {
            case RouteMatch.NotFound:
                await Problems.WriteAsync(context, 404, "Not Found", $"No function's route matches '{context.Request.Path}'.");
                return;
            case RouteMatch.MethodNotAllowed notAllowed:
                context.Response.Headers.Allow = string.Join(", ", notAllowed.Allowed);
                await Problems.WriteAsync(context, 405, "Method Not Allowed",
                    $"'{context.Request.Path}' accepts {string.Join(", ", notAllowed.Allowed)}, not {context.Request.Method}.");
                return;
        }
        var found = (RouteMatch.Found)match;
        var request = BuildInvocation(context, found);
        if (context.Request.Headers.TraceParent is { Count: > 0 } traceParent)
            request.TraceContext = new RpcTraceContext { TraceParent = traceParent.ToString(), TraceState = context.Request.Headers.TraceState.ToString() };
        var outcome = await dispatcher.InvokeAsync(found.Function, request,
            (channel, cancellationToken) => ForwardAsync(context, channel, request.InvocationId, cancellationToken), context.RequestAborted);
        if (context.Response.HasStarted)
        {
            if (outcome.Status is InvocationStatus.TimedOut or InvocationStatus.Cancelled)
                context.Abort(); // too late for an error status: cut the response so the client sees it incomplete
            return;
        }
        switch (outcome.Status)
        {
            case InvocationStatus.TimedOut:
                await Problems.WriteAsync(context, 504, "Function timed out", outcome.Error ?? "The function timed out.");
                break;
            case InvocationStatus.Rejected:
                await Problems.WriteAsync(context, 503, "Host shutting down", outcome.Error ?? "The host is shutting down.");
                break;
            case InvocationStatus.Cancelled when context.RequestAborted.IsCancellationRequested:
                break;
            default:
                await Problems.WriteAsync(context, 500, "Function failed", outcome.Error ?? "The function failed without a response.");
                break;
        }
    }

    private static InvocationRequest BuildInvocation(HttpContext context, RouteMatch.Found found)
    {
        var http = context.Request;
        var rpc = new RpcHttp { Method = http.Method, Url = $"{http.Scheme}://{http.Host}{http.PathBase}{http.Path}{http.QueryString}" };
        foreach (var (name, value) in http.Headers)
            rpc.Headers[name.ToLowerInvariant()] = value.ToString();
        foreach (var (name, value) in http.Query)
            rpc.Query[name] = value.ToString();
        foreach (var (name, value) in found.Values)
            rpc.Params[name] = value;
        var request = new InvocationRequest { InvocationId = Guid.NewGuid().ToString() };
        request.InputData.Add(new ParameterBinding { Name = found.Function.TriggerName, Data = new TypedData { Http = rpc } });
        // Route values bind to function parameters by name (string id); Query and Headers as the host sends them.
        foreach (var (name, value) in found.Values)
            request.TriggerMetadata[name] = TypedDataValues.String(value);
        request.TriggerMetadata["Query"] = TypedDataValues.Json(JsonSerializer.Serialize(rpc.Query));
        request.TriggerMetadata["Headers"] = TypedDataValues.Json(JsonSerializer.Serialize(rpc.Headers));
        return request;
    }

    /// <summary>Sends the client's request to the worker and copies the worker's answer back, both as streams.</summary>
    private async Task ForwardAsync(HttpContext context, WorkerChannel channel, string invocationId, CancellationToken cancellationToken)
    {
        if (channel.HttpUri is null)
            throw new HttpRequestException("The worker reported no HttpUri: it was not built with ASP.NET Core integration (ConfigureFunctionsWebApplication).");
        var target = new Uri(channel.HttpUri, $"{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}");
        using var answer = await SendWithRetryAsync(context, target, invocationId, cancellationToken);
        var response = context.Response;
        response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!HopByHop.Contains(name))
                response.Headers[name] = values.ToArray();
        }
        await using var body = await answer.Content.ReadAsStreamAsync(cancellationToken);
        await response.StartAsync(cancellationToken);
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            await response.Body.FlushAsync(cancellationToken); // pass each piece on as it comes, whatever its size
        }
        LogForwarded(invocationId, (int)answer.StatusCode);
    }

    /// <summary>
    /// The worker reports its HttpUri during init but opens its Kestrel a moment later: a refused connection (nothing
    /// sent yet, so the body is untouched) is retried for a few seconds, as the Functions host's proxy retries.
    /// </summary>
    private async Task<HttpResponseMessage> SendWithRetryAsync(HttpContext context, Uri target, string invocationId, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(25);
        for (var attempt = 1; ; attempt++)
        {
            using var outgoing = BuildForward(context, target, invocationId);
            try
            {
                return await _worker.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException ex) when (ex.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused } && attempt < 40)
            {
                LogRetry(invocationId, attempt);
                await Task.Delay(delay, cancellationToken); // real time: this waits for a socket, not for the app's clock
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
            }
        }
    }

    private static HttpRequestMessage BuildForward(HttpContext context, Uri target, string invocationId)
    {
        var incoming = context.Request;
        var outgoing = new HttpRequestMessage(new HttpMethod(incoming.Method), target) { Version = HttpVersion.Version11 };
        var canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? incoming.ContentLength > 0;
        if (canHaveBody)
            outgoing.Content = new NonDisposingStreamContent(incoming.Body);
        foreach (var (name, value) in incoming.Headers)
        {
            if (HopByHop.Contains(name))
                continue;
            if (!outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value))
                outgoing.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
        }
        outgoing.Headers.Remove(InvocationIdHeader);
        outgoing.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);
        return outgoing;
    }

    public void Dispose() => _worker.Dispose();

    /// <summary>Streams the client's body; leaves it open when disposed, so a refused attempt can be retried.</summary>
    private sealed class NonDisposingStreamContent(Stream body) : StreamContent(body, 64 * 1024)
    {
        protected override void Dispose(bool disposing)
        {
            // the body belongs to Kestrel's request
        }
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Proxied invocation {InvocationId}: the worker's Kestrel refused the connection (attempt {Attempt}), retrying")]
    private partial void LogRetry(string invocationId, int attempt);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Proxied invocation {InvocationId}: worker answered {Status}")]
    private partial void LogForwarded(string invocationId, int status);
}
