using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Campaigns.Functions.Http;

/// <summary>
/// The API's own documents, and the answer to a route no operation has: the OpenAPI document
/// (<c>/openapi/v1.json</c>) and the Scalar reference (<c>/scalar</c>) as <see cref="ApiDescription"/> serves them, and a
/// catch-all that makes an unknown path a 404 problem and a known path with another method a 405 problem with
/// <c>Allow</c>, under any Functions host (the most specific route wins, so the catch-all only gets what nothing else takes).
/// </summary>
/// <remarks>Public, services from the invocation's container: see <see cref="Campaigns.Functions.Http.ApiFunctions"/>.</remarks>
public sealed class ReferenceFunctions(IServiceProvider services)
{
    private ApiDescription Api => services.GetRequiredService<ApiDescription>();

    private const AuthorizationLevel Anonymous = AuthorizationLevel.Anonymous;

    [Function("OpenApiDocument")]
    public Task<IResult> OpenApiDocument([HttpTrigger(Anonymous, "get", Route = "openapi/{documentName}.json")] HttpRequest request) =>
        RunOwnAsync(request, e => e.RoutePattern.RawText?.StartsWith("/openapi/", StringComparison.Ordinal) == true);

    [Function("ApiReference")]
    public Task<IResult> ApiReference([HttpTrigger(Anonymous, "get", Route = "scalar/{*path}")] HttpRequest request) =>
        RunOwnAsync(request, e => e.RoutePattern.RawText?.StartsWith("/scalar", StringComparison.Ordinal) == true);

    [Function("NotFound")]
    public IResult NotFound(
        [HttpTrigger(Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = "{*path}")] HttpRequest request)
    {
        var methods = Api.Endpoints
            .Where(e => Api.Match(request.Path, candidate => candidate == e) is not null)
            .SelectMany(ApiDescription.Methods).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (methods.Count == 0)
            return Problems.NotFound($"No operation at {Shorten(request.Path.Value ?? "/")}.");
        request.HttpContext.Response.Headers.Allow = string.Join(", ", methods);
        return Results.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, type: Problems.TypePrefix + "method-not-allowed",
            title: "Method not allowed.", detail: $"{request.Method} is not allowed on {Shorten(request.Path.Value ?? "/")}; allowed: {string.Join(", ", methods)}.");
    }

    /// <summary>Runs the description's own endpoint whose route matches this request (its route values as routing would set them).</summary>
    private async Task<IResult> RunOwnAsync(HttpRequest request, Func<RouteEndpoint, bool> among)
    {
        if (Api.Match(request.Path, e => among(e) && ApiDescription.Methods(e) is var m && (m.Count == 0 || m.Contains(request.Method, StringComparer.OrdinalIgnoreCase)))
            is not { } match)
        {
            return Problems.NotFound($"No document at {Shorten(request.Path.Value ?? "/")}.");
        }
        request.RouteValues = match.Values;
        await Api.InvokeOwnAsync(match.Endpoint, request.HttpContext);
        return Results.Empty;
    }

    private static string Shorten(string path) => path.Length <= 100 ? path : path[..100] + "...";
}
