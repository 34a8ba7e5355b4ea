using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Campaigns.Functions.Tests.Infrastructure;

/// <summary>What the proxy does with the next table request.</summary>
public enum StorageFault
{
    /// <summary>Forwards it to Azurite.</summary>
    None,

    /// <summary>Holds it without an answer until the client gives up (a storage account that does not answer in time).</summary>
    Stall,

    /// <summary>Answers 503 ServerBusy, as Azure Storage does when it throttles.</summary>
    Throttle,
}

/// <summary>
/// A real HTTP reverse proxy in front of Azurite's table endpoint that injects storage faults: an app pointed at it meets
/// timeouts or throttling exactly as it would from Azure, over TCP. <see cref="PassFirst"/> lets a number of requests
/// through before the fault starts, to break an operation half-way.
/// </summary>
public sealed class StorageFaultProxy : IAsyncDisposable
{
    private readonly WebApplication _proxy;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private int _passLeft; // requests still let through before the fault applies (below zero: none)
    private long _faulted;

    private StorageFaultProxy(WebApplication proxy) => _proxy = proxy;

    public StorageFault Fault { get; set; }

    /// <summary>How many requests met a fault.</summary>
    public long Faulted => Interlocked.Read(ref _faulted);

    /// <summary>Lets the next <paramref name="requests"/> requests through, then applies <see cref="Fault"/>.</summary>
    public void PassFirst(int requests) => Volatile.Write(ref _passLeft, requests);

    /// <summary>
    /// The next request whose body contains <paramref name="marker"/> (a table name in a batch, say) reaches Azurite and
    /// is committed, but its answer is held until the client gives up, once: storage slower than the client's network
    /// timeout, after which the SDK sends the same request again.
    /// </summary>
    public void LoseAnswerOnce(string marker) => Volatile.Write(ref _loseAnswerTo, marker);

    private string? _loseAnswerTo;

    public void Heal()
    {
        Fault = StorageFault.None;
        Volatile.Write(ref _passLeft, 0);
    }

    public Uri Address => new(_proxy.Urls.First());

    /// <summary>The Azurite connection string with its table endpoint moved to this proxy.</summary>
    public string ConnectionStringFor(string azurite) =>
        Regex.Replace(azurite, @"TableEndpoint=http://[^/;]+/", $"TableEndpoint={Address.ToString().TrimEnd('/')}/");

    public static async Task<StorageFaultProxy> StartAsync(string azuriteConnectionString)
    {
        var upstream = new Uri(Regex.Match(azuriteConnectionString, @"TableEndpoint=(http://[^/;]+)/").Groups[1].Value);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var proxy = new StorageFaultProxy(app);
        app.Run(http => proxy.HandleAsync(http, upstream));
        await app.StartAsync();
        return proxy;
    }

    private async Task HandleAsync(HttpContext http, Uri upstream)
    {
        var fault = Interlocked.Decrement(ref _passLeft) >= 0 ? StorageFault.None : Fault; // a fault set with no PassFirst applies at once
        if (fault != StorageFault.None)
            Interlocked.Increment(ref _faulted);
        if (fault == StorageFault.Stall)
        {
            try { await Task.Delay(Timeout.Infinite, http.RequestAborted); }
            catch (OperationCanceledException) { }
            return;
        }
        if (fault == StorageFault.Throttle)
        {
            http.Response.StatusCode = 503;
            http.Response.Headers["x-ms-error-code"] = "ServerBusy";
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("{\"odata.error\":{\"code\":\"ServerBusy\",\"message\":{\"lang\":\"en-US\",\"value\":\"The server is busy.\"}}}");
            return;
        }
        using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), new Uri(upstream, http.Request.Path + http.Request.QueryString));
        var loseAnswer = false;
        if (Volatile.Read(ref _loseAnswerTo) is { } marker && (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0))
        {
            var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            loseAnswer = System.Text.Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length).Contains(marker, StringComparison.Ordinal)
                && Interlocked.CompareExchange(ref _loseAnswerTo, null, marker) == marker;
            body.Position = 0;
            request.Content = new StreamContent(body);
        }
        else if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
            request.Content = new StreamContent(http.Request.Body);
        foreach (var (name, values) in http.Request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                continue;
            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        if (loseAnswer)
        {
            Interlocked.Increment(ref _faulted);
            try { await Task.Delay(Timeout.Infinite, http.RequestAborted); } // committed; the answer never comes
            catch (OperationCanceledException) { }
            return;
        }
        http.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                http.Response.Headers[name] = values.ToArray();
        }
        await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        Heal();
        await _proxy.StopAsync();
        await _proxy.DisposeAsync();
        _upstream.Dispose();
    }
}
