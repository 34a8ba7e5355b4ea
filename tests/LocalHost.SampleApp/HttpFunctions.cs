using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Campaigns.LocalHost.SampleApp;

/// <summary>HTTP functions through the ASP.NET Core integration: routes with parameters, methods, streaming bodies.</summary>
public sealed class HttpFunctions
{
    [Function("GetItem")]
    public static IActionResult GetItem([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/{id}")] HttpRequest request, string id) =>
        new OkObjectResult(new { function = "GetItem", id, query = request.Query["q"].ToString() });

    [Function("DeleteItem")]
    public static IActionResult DeleteItem([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "items/{id}")] HttpRequest request, string id) =>
        new OkObjectResult(new { function = "DeleteItem", id });

    [Function("CreateItem")]
    public static async Task<IActionResult> CreateItem([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "items")] HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        return new ObjectResult(new { function = "CreateItem", body }) { StatusCode = StatusCodes.Status201Created };
    }

    [Function("GetFile")]
    public static IActionResult GetFile([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "files/{*rest}")] HttpRequest request, string rest) =>
        new OkObjectResult(new { function = "GetFile", rest });

    [Function("Greet")]
    public static IActionResult Greet([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "greet/{name?}")] HttpRequest request) =>
        new OkObjectResult(new { function = "Greet", name = request.RouteValues.TryGetValue("name", out var n) ? n?.ToString() : null });

    /// <summary>
    /// Copies the request body to the response as it arrives. It lifts the worker's own Kestrel limit (30,000,000
    /// bytes, which the isolated worker keeps) as an app taking large uploads must.
    /// </summary>
    [Function("Echo")]
    public static async Task<IActionResult> Echo([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "echo")] HttpRequest request)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;
        var response = request.HttpContext.Response;
        response.ContentType = "application/octet-stream";
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer)) > 0)
        {
            await response.Body.WriteAsync(buffer.AsMemory(0, read));
            await response.Body.FlushAsync();
        }
        return new EmptyResult();
    }

    /// <summary>
    /// Reads a large upload as it arrives (checking the pattern <c>i % 251</c> of each megabyte) and records when the
    /// first megabyte is in, so a test can tell the body was streamed to it rather than collected first.
    /// </summary>
    [Function("Receive")]
    public static async Task<IActionResult> Receive(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "receive/{key}")] HttpRequest request, string key, FunctionContext context)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;
        var records = (Records)context.InstanceServices.GetService(typeof(Records))!;
        var buffer = new byte[64 * 1024];
        long received = 0;
        var intact = true;
        var announced = false;
        int read;
        while ((read = await request.Body.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
                intact &= buffer[i] == (byte)((received + i) % (1024 * 1024) % 251);
            received += read;
            if (!announced && received >= 1024 * 1024)
            {
                announced = true;
                await records.WriteAsync("receive", key, new { stage = "receiving", received });
            }
        }
        return new OkObjectResult(new { received, intact });
    }

    /// <summary>Writes <c>mb</c> megabytes of a repeating pattern without holding them.</summary>
    [Function("Big")]
    public static async Task<IActionResult> Big([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "big")] HttpRequest request)
    {
        var megabytes = int.Parse(request.Query["mb"].ToString() is { Length: > 0 } mb ? mb : "1", System.Globalization.CultureInfo.InvariantCulture);
        var response = request.HttpContext.Response;
        response.ContentType = "application/octet-stream";
        response.ContentLength = megabytes * 1024L * 1024L;
        var chunk = new byte[1024 * 1024];
        for (var i = 0; i < chunk.Length; i++)
            chunk[i] = (byte)(i % 251);
        for (var i = 0; i < megabytes; i++)
            await response.Body.WriteAsync(chunk);
        return new EmptyResult();
    }

    /// <summary>Takes <c>ms</c> milliseconds (cancellable), for the timeout and graceful-stop scenarios.</summary>
    [Function("Slow")]
    public static async Task<IActionResult> Slow(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "slow")] HttpRequest request, FunctionContext context, CancellationToken cancellationToken)
    {
        var records = (Records)context.InstanceServices.GetService(typeof(Records))!;
        var ms = int.Parse(request.Query["ms"].ToString() is { Length: > 0 } v ? v : "1000", System.Globalization.CultureInfo.InvariantCulture);
        var key = request.Query["key"].ToString() is { Length: > 0 } k ? k : "slow";
        await records.WriteAsync("slow", key, new { stage = "started", context.InvocationId });
        try
        {
            await Task.Delay(ms, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await records.WriteAsync("slow", key, new { stage = "cancelled", context.InvocationId });
            throw;
        }
        await records.WriteAsync("slow", key, new { stage = "finished", context.InvocationId });
        return new OkObjectResult(new { function = "Slow", ms });
    }
}
