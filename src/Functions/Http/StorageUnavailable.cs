using Azure;

namespace Campaigns.Functions.Http;

/// <summary>
/// Tells a storage account that is overloaded or out of reach from every other failure: Azure Storage's throttling
/// (429, 503 ServerBusy), its own timeouts (500 OperationTimedOut, 408), gateway errors, a request that got no answer in
/// time (the client's network timeout), or no connection at all. These say nothing about the request, and retrying later
/// can succeed: the API answers 503 with <c>Retry-After</c>, never 500.
/// </summary>
internal static class StorageFaults
{
    public static bool IsTransient(Exception ex, CancellationToken requestAborted) => ex switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or 500 or 502 or 503 or 504,
        AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(e => IsTransient(e, requestAborted)),
        // The SDK's network timeout (a TaskCanceledException), not the caller going away. Connection failures reach us
        // as RequestFailedException with status 0: the SDK wraps them.
        OperationCanceledException => !requestAborted.IsCancellationRequested,
        TimeoutException => true,
        _ => false,
    };

    /// <summary>A short reason for the log: the status and error code, or the exception's kind.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        RequestFailedException failed => $"HTTP {failed.Status} {failed.ErrorCode}".TrimEnd(),
        AggregateException all when all.InnerExceptions.Count > 0 => $"{all.InnerExceptions.Count} tries: {Describe(all.InnerExceptions[^1])}",
        OperationCanceledException => "no answer in time",
        _ => ex.GetType().Name,
    };
}

/// <summary>
/// Answers a request whose storage calls met an overloaded or unreachable storage account with 503 problem+json and
/// <c>Retry-After</c>, and logs it once as a warning (no stack trace: it is the storage's state, not a bug). Nothing was
/// half-written by design: every change is one transaction, or written into rows nobody can see until a last
/// transaction makes them visible, so a retry of the same request is safe. Queue and timer functions, which come here
/// as requests too, fail the same way, and their message comes back (visibility timeout) to be handled again.
/// </summary>
internal sealed partial class StorageUnavailableMiddleware(RequestDelegate next, ILogger<StorageUnavailableMiddleware> log)
{
    public const int RetryAfterSeconds = 5;

    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        catch (Exception ex) when (StorageFaults.IsTransient(ex, http.RequestAborted) && !http.Response.HasStarted)
        {
            LogUnavailable(http.Request.Method, http.Request.Path.Value ?? "", StorageFaults.Describe(ex));
            http.Response.Clear();
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                type: Problems.TypePrefix + "storage-unavailable",
                title: "Storage is busy or unreachable.",
                detail: $"The request could not be completed because storage did not answer in time or asked to slow down. Nothing was half-done; retry after {RetryAfterSeconds} seconds.")
                .ExecuteAsync(http);
        }
    }

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: storage busy or unreachable ({Reason})")]
    private partial void LogUnavailable(string method, string path, string reason);
}
