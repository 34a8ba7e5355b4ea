using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Http;
using Campaigns.Functions.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;

namespace Campaigns.Functions.Tests.Hosting;

/// <summary>
/// The app is an isolated-worker Functions app: its build output is a Functions app root (functions.metadata from the
/// SDK, worker.config.json for dotnet-isolated, host.json without a custom handler), and its HTTP functions and its API
/// description (the OpenAPI document) name the same operations on the same routes and methods.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class HostingContractTests(AppFixture app)
{
    private static readonly string Output = InProcessFunctionsApp.AppDirectory;

    private static JsonArray Metadata() => JsonNode.Parse(File.ReadAllText(Path.Combine(Output, "functions.metadata")))!.AsArray();

    /// <summary>Every HTTP function in functions.metadata: name, methods (upper case) and route.</summary>
    private static List<(string Name, string Method, string Route)> HttpFunctions() =>
        Metadata().SelectMany(f => f!["bindings"]!.AsArray()
                .Where(b => b!["type"]!.GetValue<string>() == "httpTrigger")
                .SelectMany(b => b!["methods"]!.AsArray().Select(m => (f["name"]!.GetValue<string>(), m!.GetValue<string>().ToUpperInvariant(), b["route"]!.GetValue<string>()))))
            .ToList();

    [Fact]
    public void HostJson_HasNoCustomHandler_NoRoutePrefix_AndAFunctionTimeout()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(Output, "host.json")))!;
        Assert.Equal("2.0", host["version"]!.GetValue<string>());
        Assert.Null(host["customHandler"]);
        Assert.Equal("", host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>());
        Assert.True(TimeSpan.Parse(host["functionTimeout"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > TimeSpan.Zero);
        Assert.NotNull(host["extensions"]!["queues"]!["maxDequeueCount"]);
    }

    [Fact]
    public void BuildOutput_IsAnIsolatedWorkerAppRoot()
    {
        var worker = JsonNode.Parse(File.ReadAllText(Path.Combine(Output, "worker.config.json")))!["description"]!;
        Assert.Equal("dotnet-isolated", worker["language"]!.GetValue<string>());
        Assert.Equal("Campaigns.Functions.dll", worker["defaultWorkerPath"]!.GetValue<string>());
        Assert.Empty(Directory.GetFiles(Output, "function.json", SearchOption.AllDirectories)); // no hand-written function.json
        var triggers = Metadata().Select(f => f!["bindings"]![0]!["type"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "httpTrigger", "queueTrigger", "blobTrigger", "timerTrigger", "orchestrationTrigger", "activityTrigger" }, triggers);
        // The list tests and benchmarks disable functions by names every non-HTTP function, and nothing else.
        var nonHttp = Metadata().Where(f => f!["bindings"]![0]!["type"]!.GetValue<string>() != "httpTrigger").Select(f => f!["name"]!.GetValue<string>());
        Assert.Equal(InProcessFunctionsApp.TriggerFunctions.Order(), nonHttp.Order());
    }

    [Fact]
    public void EveryFunction_IsAPublicMethodOfAPublicClass_SoTheGeneratedExecutorCallsItDirectly()
    {
        // Otherwise the SDK's executor falls back to one that compiles an expression tree on every invocation.
        var functions = typeof(ApiDescription).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.FunctionAttribute), false).Length > 0)
            .ToList();
        Assert.Equal(Metadata().Count, functions.Count);
        Assert.All(functions, m => Assert.True(m.IsPublic && m.DeclaringType!.IsVisible, $"{m.DeclaringType!.Name}.{m.Name} is not public in a public class"));
    }

    [Fact]
    public void EveryApiOperation_IsAnHttpFunctionOfTheSameNameRouteAndMethod_AndEveryHttpFunctionServesOne()
    {
        var functions = HttpFunctions();
        var operations = app.Service<ApiDescription>().Endpoints
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is not null)
            .SelectMany(e => ApiDescription.Methods(e).Select(m => (Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName, Method: m, Route: e.RoutePattern.RawText!.Trim('/'))))
            .ToList();

        Assert.Equal(29, operations.Count(o => o.Route.StartsWith("v1/", StringComparison.Ordinal) || o.Route.StartsWith("api/", StringComparison.Ordinal)));
        Assert.All(operations, o => Assert.Contains(o, functions));
        // Every HTTP function but the documents' and the catch-all runs an operation of the description.
        Assert.All(functions.Where(f => f.Name is not ("OpenApiDocument" or "ApiReference" or "NotFound")), f => Assert.Contains(f, operations));
    }

    [Fact]
    public async Task OpenApiDocument_NamesEveryOperationOfTheFunctions_AndNoOther()
    {
        var response = await app.ClientWith(null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var documented = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Method: op.Key.ToUpperInvariant(), Route: path.Key.Trim('/'), Id: op.Value!["operationId"]?.GetValue<string>())))
            .ToList();
        var functions = HttpFunctions().Where(f => f.Name is not ("OpenApiDocument" or "ApiReference" or "NotFound" or "Health")).ToList();

        Assert.All(functions, f => Assert.Contains((f.Method, f.Route, (string?)f.Name), documented));
        Assert.All(documented, d => Assert.Contains((d.Id!, d.Method, d.Route), functions));
        Assert.NotNull(document["paths"]!["/v1/campaigns"]!["post"]!["requestBody"]);
    }

    /// <summary>
    /// The served document is valid OpenAPI per a third-party validator (@seriousme/openapi-schema-validator: the
    /// official OpenAPI 3.0/3.1 JSON schemas, strict), run with Node on the document as the app serves it.
    /// </summary>
    [Fact]
    public async Task OpenApiDocument_IsValidPerAThirdPartyValidator()
    {
        var document = await app.ClientWith(null).GetStringAsync("/openapi/v1.json");
        Assert.StartsWith("3.", JsonNode.Parse(document)!["openapi"]!.GetValue<string>());
        var file = Path.Combine(Path.GetTempPath(), $"campaigns-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document);
        try
        {
            var validator = Path.Combine(Azurite.RepositoryRoot(), "node_modules", "@seriousme", "openapi-schema-validator", "bin", "validate-api-cli.js");
            Assert.True(File.Exists(validator), $"The validator is not installed at {validator}: run ./test.sh (or npm ci) first.");
            var info = new System.Diagnostics.ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(validator);
            info.ArgumentList.Add(file);
            using var node = System.Diagnostics.Process.Start(info)!;
            var output = node.StandardOutput.ReadToEndAsync();
            var errors = node.StandardError.ReadToEndAsync();
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            var report = JsonNode.Parse(await output)!;
            Assert.True(report["valid"]!.GetValue<bool>(), $"The validator refused the document: {await output}{await errors}");
            Assert.Equal(0, node.ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ReferencePage_IsServed()
    {
        var response = await app.ClientWith(null).GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnUnknownPath_IsA404Problem_AndAKnownPathWithAnotherMethod_A405ProblemWithAllow()
    {
        var client = app.ClientWith(null);
        var missing = await (await client.GetAsync("/v2/nothing/here")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("/v2/nothing/here", missing["detail"]!.GetValue<string>());

        var wrong = await client.PutAsync("/v1/campaigns", Requests.Json("{}"));
        await wrong.ProblemAsync(HttpStatusCode.MethodNotAllowed);
        Assert.Equal(["GET", "POST"], wrong.Content.Headers.Allow.Order().ToArray());
    }
}
