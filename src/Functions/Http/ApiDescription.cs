using Campaigns.Functions.Hosting;
using Campaigns.Functions.Http.ApiV;
using Campaigns.Functions.Http.V1;
using Campaigns.Functions.Integration.Webhooks;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Scalar.AspNetCore;

namespace Campaigns.Functions.Http;

/// <summary>
/// The HTTP API as ASP.NET Core endpoints: every operation of both surfaces mapped once (route, method, handler,
/// filters such as <c>RequireAccount</c>, and the metadata the OpenAPI document is made of), in an application that
/// is built but never started. It is the single description of each operation; the Functions host reaches them through
/// one <c>[Function]</c> per operation (<see cref="ApiFunctions"/>, same name, route and method: a test checks they
/// agree), whose body runs the endpoint's request delegate on the invocation's <see cref="HttpContext"/>. Parameter
/// binding, filters and results are ASP.NET Core's own, so the API behaves as it did when it was served directly.
/// Services come from the invocation's request services (the worker's container); this application's container only
/// tells the request delegate factory which handler parameters are services, and serves the OpenAPI document and the
/// Scalar reference, which are endpoints here too.
/// </summary>
internal sealed class ApiDescription
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, RouteEndpoint> _byName;

    public ApiDescription(IConfiguration configuration)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.AddCampaigns();
        builder.Services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Campaigns";
                document.Info.Description =
                    "Outbound-call campaign scheduler for AI voice agents. Authenticate with 'Authorization: Bearer <API key>' " +
                    "or the same key as the access_token cookie. Errors are RFC 9457 problem+json.";
                return Task.CompletedTask;
            });
        });
        _app = builder.Build();
        _app.MapOpenApi("/openapi/{documentName}.json").WithName(OpenApiEndpoint);
        _app.MapScalarApiReference("/scalar", options => options.WithTitle("Campaigns API reference"));
        _app.MapGet("/health", () => Results.Ok(new { status = "ok" })).WithName(HealthEndpoint).ExcludeFromDescription();
        _app.MapCampaignsV1();
        _app.MapSchedulerCampaigns();
        _app.MapProspects();
        _app.MapUploads();
        _app.MapCallResults();
        _app.MapAccount();
        _app.MapWebhooks();
        // What starting the application would do: routing's options learn the mapped endpoints, which is where the
        // OpenAPI document service (through the API explorer) reads them. No pipeline is ever built or run.
        _app.UseRouting();
        _app.UseEndpoints(_ => { });
        Endpoints = ((IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
        _byName = Endpoints.Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is not null)
            .ToDictionary(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName, StringComparer.Ordinal);
    }

    public const string OpenApiEndpoint = "OpenApiDocument";
    public const string HealthEndpoint = "Health";

    /// <summary>Every endpoint, the operations and the document's and reference's own.</summary>
    public IReadOnlyList<RouteEndpoint> Endpoints { get; }

    /// <summary>This description's container (the OpenAPI document service lives here).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Runs the named operation on an invocation's request, as routing would have.</summary>
    public Task InvokeAsync(string name, HttpContext http) =>
        _byName.TryGetValue(name, out var endpoint)
            ? endpoint.RequestDelegate!(http)
            : throw new InvalidOperationException($"No API operation is named '{name}'");

    /// <summary>
    /// Runs one of this description's own endpoints (the OpenAPI document, the Scalar reference) with its services
    /// instead of the worker's: they live only here.
    /// </summary>
    public async Task InvokeOwnAsync(RouteEndpoint endpoint, HttpContext http)
    {
        var workerServices = http.RequestServices;
        await using var scope = _app.Services.CreateAsyncScope();
        http.RequestServices = scope.ServiceProvider;
        try
        {
            await endpoint.RequestDelegate!(http);
        }
        finally
        {
            http.RequestServices = workerServices;
        }
    }

    /// <summary>The endpoint whose route matches the path (with any method), and the route values; null when none does.</summary>
    public (RouteEndpoint Endpoint, RouteValueDictionary Values)? Match(PathString path, Func<RouteEndpoint, bool> where)
    {
        foreach (var endpoint in Endpoints.Where(where).OrderBy(e => e.Order))
        {
            var values = new RouteValueDictionary();
            if (Matcher(endpoint).TryMatch(path, values))
                return (endpoint, values);
        }
        return null;
    }

    /// <summary>The HTTP methods an endpoint answers (empty for every method).</summary>
    public static IReadOnlyList<string> Methods(Endpoint endpoint) => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<RouteEndpoint, TemplateMatcher> _matchers = new();

    private TemplateMatcher Matcher(RouteEndpoint endpoint) => _matchers.GetOrAdd(endpoint, e =>
        new TemplateMatcher(TemplateParser.Parse(RoutePatternFormat(e.RoutePattern)), new RouteValueDictionary()));

    private static string RoutePatternFormat(RoutePattern pattern) => (pattern.RawText ?? "").TrimStart('/');
}
