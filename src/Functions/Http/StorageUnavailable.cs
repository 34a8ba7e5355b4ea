using Azure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

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
/// The worker's last word on a failed invocation. For an HTTP function that has not started its response: storage that
/// is overloaded or out of reach is a 503 problem with <c>Retry-After</c>, logged once as a warning (it is the storage's
/// state, not a bug); a request the server could not read (a body over the limit) is its 4xx problem; anything else a
/// 500 problem without internals (they go to the log, never the client). Nothing was half-written by design: every
/// change is one transaction, or written into rows nobody can see until a last transaction makes them visible, so a
/// retry of the same request is safe. Queue, blob and timer functions fail as they are (the host lets the message come
/// back), with one warning when storage is the cause.
/// </summary>
internal sealed partial class HttpProblemsMiddleware(ILogger<HttpProblemsMiddleware> log) : IFunctionsWorkerMiddleware
{
    public const int RetryAfterSeconds = 5;

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.GetHttpContext() is { Response.HasStarted: false } http)
        {
            IResult problem;
            var unavailable = StorageFaults.IsTransient(ex, http.RequestAborted);
            if (unavailable)
            {
                LogUnavailable(http.Request.Method, http.Request.Path.Value ?? "", StorageFaults.Describe(ex));
                problem = Results.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    type: Problems.TypePrefix + "storage-unavailable",
                    title: "Storage is busy or unreachable.",
                    detail: $"The request could not be completed because storage did not answer in time or asked to slow down. Nothing was half-done; retry after {RetryAfterSeconds} seconds.");
            }
            else if (ex is BadHttpRequestException bad)
            {
                problem = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? Problems.PayloadTooLarge(JsonBody.MaxBytes)
                    : Results.Problem(statusCode: bad.StatusCode, detail: "The request could not be read.");
            }
            else
            {
                LogUnhandled(ex, context.FunctionDefinition.Name, http.Request.Method, http.Request.Path.Value ?? "");
                problem = Results.Problem(statusCode: StatusCodes.Status500InternalServerError, detail: "An unexpected error occurred; it has been logged.");
            }
            http.Response.Clear(); // whatever the function had set (headers, status) does not belong to the problem
            if (unavailable)
                http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await problem.ExecuteAsync(http);
            context.GetInvocationResult().Value = Results.Empty; // the response is written: nothing more for the host to send
        }
        catch (Exception ex) when (context.GetHttpContext() is null && StorageFaults.IsTransient(ex, context.CancellationToken))
        {
            LogTriggerUnavailable(context.FunctionDefinition.Name, StorageFaults.Describe(ex));
            throw;
        }
    }

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: storage busy or unreachable ({Reason})")]
    private partial void LogUnavailable(string method, string path, string reason);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Warning, Message = "Function {Function} failed: storage busy or unreachable ({Reason}); its message comes back")]
    private partial void LogTriggerUnavailable(string function, string reason);

    [LoggerMessage(EventId = 1500, Level = LogLevel.Error, Message = "Function {Function} failed on {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string function, string method, string path);
}
