using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Campaigns.Functions.Tests.Hosting;

/// <summary>The app keeps the Azure Functions custom-handler contract that host.json and the function.json files declare.</summary>
[Collection(AppCollection.Name)]
public sealed class HostingContractTests(AppFixture app)
{
    private static readonly string Root = Azurite.RepositoryRoot();

    [Fact]
    public void HostJson_DeclaresACustomHandlerWithForwardingAndNoRoutePrefix()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "host.json")))!;
        Assert.Equal("2.0", host["version"]!.GetValue<string>());
        Assert.True(host["customHandler"]!["enableForwardingHttpRequest"]!.GetValue<bool>());
        Assert.Equal("Campaigns.Functions", host["customHandler"]!["description"]!["defaultExecutablePath"]!.GetValue<string>());
        Assert.Equal("", host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>());
    }

    [Fact]
    public void EveryHttpEndpoint_HasAFunctionJsonWithItsRouteAndMethods()
    {
        var declared = Directory.GetFiles(Path.Combine(Root, "src", "Functions", "functions"), "function.json", SearchOption.AllDirectories)
            .Select(path => JsonNode.Parse(File.ReadAllText(path))!["bindings"]!.AsArray().SingleOrDefault(b => b!["type"]!.GetValue<string>() == "httpTrigger"))
            .OfType<JsonNode>()
            .SelectMany(b => b["methods"]!.AsArray().Select(m => (Method: m!.GetValue<string>().ToUpperInvariant(), Route: Normalize(b["route"]!.GetValue<string>()))))
            .ToHashSet();

        var endpoints = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (Method: m, Route: Normalize(e.RoutePattern.RawText!))))
            .Where(e => e.Route.StartsWith("v1/", StringComparison.Ordinal) || e.Route.StartsWith("api/", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, endpoint => Assert.Contains(endpoint, declared));
    }

    [Fact]
    public void EveryNonHttpFunction_HasATriggerEndpointNamedLikeIt()
    {
        var triggered = Directory.GetDirectories(Path.Combine(Root, "src", "Functions", "functions"))
            .Select(dir => (Name: Path.GetFileName(dir), Type: JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "function.json")))!["bindings"]![0]!["type"]!.GetValue<string>()))
            .Where(f => f.Type != "httpTrigger")
            .ToList();
        var endpoints = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .Select(e => Normalize(e.RoutePattern.RawText!)).ToHashSet();

        Assert.Contains(triggered, f => f.Type == "queueTrigger");
        Assert.Contains(triggered, f => f.Type == "timerTrigger");
        Assert.All(triggered, f => Assert.Contains(f.Name, endpoints));
    }

    [Fact]
    public async Task TriggerEndpoints_RefuseCallersWithoutTheLocalHostsKey()
    {
        var response = await app.ClientWith(null).PostAsync("/CallOutcome", Requests.Json("""{"Data": {"message": "{}"}, "Metadata": {}}"""));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void BuildOutput_IsAFunctionsAppRoot()
    {
        var output = AppContext.BaseDirectory;
        Assert.True(File.Exists(Path.Combine(output, "host.json")));
        Assert.True(File.Exists(Path.Combine(output, "V1Campaigns", "function.json")));
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheCampaignsApi()
    {
        var response = await app.ClientWith(null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/v1/campaigns", paths);
        Assert.Contains("/v1/campaigns/{id}", paths);
        Assert.Contains("/v1/campaigns/{id}/contacts", paths);
        Assert.NotNull(document["paths"]!["/v1/campaigns"]!["post"]!["requestBody"]);
    }

    [Fact]
    public async Task ReferencePage_IsServed()
    {
        var response = await app.ClientWith(null).GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    private static string Normalize(string route) => route.Trim('/').Replace("{*path}", "{path}");
}
