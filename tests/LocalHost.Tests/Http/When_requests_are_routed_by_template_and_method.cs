using System.Net;
using System.Text.Json.Nodes;
using Campaigns.LocalHost.Tests.Infrastructure;

namespace Campaigns.LocalHost.Tests.Http;

/// <summary>
/// The host routes each request by the HTTP functions' route templates and methods, read from the worker's metadata:
/// parameters, optional parameters and catch-alls reach the function; an unknown path is a 404 and a known path with
/// another method a 405, both as problem+json.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_requests_are_routed_by_template_and_method(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task Each_request_reaches_the_function_its_route_and_method_name_and_the_rest_are_problems()
    {
        await using var app = await SampleApp.StartAsync(storage, output);

        var get = await JsonAsync(await app.Http.GetAsync("items/42?q=blue"));
        Assert.Equal(("GetItem", "42", "blue"), (get["function"]!.GetValue<string>(), get["id"]!.GetValue<string>(), get["query"]!.GetValue<string>()));

        var delete = await JsonAsync(await app.Http.DeleteAsync("items/42"));
        Assert.Equal("DeleteItem", delete["function"]!.GetValue<string>());

        using var created = await app.Http.PostAsync("items", new StringContent("a body"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("a body", (await JsonAsync(created))["body"]!.GetValue<string>());

        var file = await JsonAsync(await app.Http.GetAsync("files/2026/11/report.csv"));
        Assert.Equal("2026/11/report.csv", file["rest"]!.GetValue<string>());

        Assert.Null((await JsonAsync(await app.Http.GetAsync("greet")))["name"]?.GetValue<string>());
        Assert.Equal("ada", (await JsonAsync(await app.Http.GetAsync("greet/ada")))["name"]!.GetValue<string>());

        using var wrongMethod = await app.Http.PutAsync("items/42", new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("application/problem+json", wrongMethod.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["DELETE", "GET"], wrongMethod.Content.Headers.Allow.Order());
        Assert.Equal(405, (await JsonAsync(wrongMethod))["status"]!.GetValue<int>());

        using var unknown = await app.Http.GetAsync("no/such/route");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, (await JsonAsync(unknown))["status"]!.GetValue<int>());
    }

    /// <summary><c>AzureWebJobs.{name}.Disabled</c>, as the Functions host reads it: not routed, not listened to.</summary>
    [Fact]
    public async Task A_disabled_function_is_neither_routed_nor_triggered()
    {
        var settings = SampleApp.SettingsFor(Guid.NewGuid().ToString("N")[..10]);
        settings["AzureWebJobs.GetItem.Disabled"] = "true";
        settings["AzureWebJobs.Work.Disabled"] = "1";
        await using var app = await SampleApp.StartAsync(storage, output, settings);

        using var disabled = await app.Http.GetAsync("items/42");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, disabled.StatusCode); // DeleteItem still serves the route
        Assert.Equal(["DELETE"], disabled.Content.Headers.Allow);
        Assert.Equal("DeleteItem", (await JsonAsync(await app.Http.DeleteAsync("items/42")))["function"]!.GetValue<string>());
        Assert.DoesNotContain(app.Host.Listeners, l => l.FunctionName == "Work");
        Assert.Contains(app.Host.Listeners, l => l.FunctionName == "Upload");
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response)
    {
        using (response)
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }
}
