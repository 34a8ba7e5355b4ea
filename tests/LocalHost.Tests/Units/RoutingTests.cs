using System.Text.Json.Nodes;
using Campaigns.LocalHost.Grpc.Messages;
using Campaigns.LocalHost.Http;
using Campaigns.LocalHost.Worker;

namespace Campaigns.LocalHost.Tests.Units;

public sealed class RoutingTests
{
    private static FunctionDescriptor Http(string name, string? route, params string[] methods)
    {
        var metadata = new RpcFunctionMetadata { Name = name, FunctionId = name };
        var binding = new JsonObject { ["type"] = "httpTrigger", ["name"] = "req", ["direction"] = "In" };
        if (route is not null)
            binding["route"] = route;
        if (methods.Length > 0)
            binding["methods"] = new JsonArray(methods.Select(m => (JsonNode)m).ToArray());
        metadata.RawBindings.Add(binding.ToJsonString());
        return FunctionDescriptor.From(metadata);
    }

    private static readonly HttpRouter Router = new(
    [
        Http("GetItem", "items/{id}", "get"),
        Http("GetMine", "items/mine", "get"),
        Http("GetNumbered", "orders/{n:int}", "get"),
        Http("Files", "files/{*rest}"),
        Http("Greet", "greet/{name?}", "get"),
        Http("NoRoute", null, "post"),
        Http("Document", "docs/{name}.json", "get"),
    ], "api");

    [Theory]
    [InlineData("GET", "/api/items/42", "GetItem")]
    [InlineData("get", "/API/Items/42/", "GetItem")]
    [InlineData("GET", "/api/items/mine", "GetMine")]
    [InlineData("GET", "/api/orders/7", "GetNumbered")]
    [InlineData("PATCH", "/api/files", "Files")]
    [InlineData("GET", "/api/files/a/b", "Files")]
    [InlineData("GET", "/api/greet", "Greet")]
    [InlineData("GET", "/api/greet/x", "Greet")]
    [InlineData("POST", "/api/NoRoute", "NoRoute")]
    public void Match_PathAndMethod_FindsTheMostSpecificFunction(string method, string path, string function) =>
        Assert.Equal(function, Assert.IsType<RouteMatch.Found>(Router.Match(method, path)).Function.Name);

    [Theory]
    [InlineData("GET", "/items/42")]
    [InlineData("GET", "/api/orders/seven")]
    [InlineData("GET", "/api/greet/x/y")]
    public void Match_NoTemplateFits_IsNotFound(string method, string path) => Assert.IsType<RouteMatch.NotFound>(Router.Match(method, path));

    [Fact]
    public void Match_RouteWithOtherMethods_IsMethodNotAllowedWithTheAllowedOnes() =>
        Assert.Equal(["GET"], Assert.IsType<RouteMatch.MethodNotAllowed>(Router.Match("DELETE", "/api/items/42")).Allowed);

    [Fact]
    public void Match_SegmentMixingLiteralAndParameter_TakesTheParameterFromBetweenTheLiterals()
    {
        var found = Assert.IsType<RouteMatch.Found>(Router.Match("GET", "/api/docs/v1.json"));
        Assert.Equal(("Document", "v1"), (found.Function.Name, found.Values["name"]));
        Assert.IsType<RouteMatch.NotFound>(Router.Match("GET", "/api/docs/v1.yaml"));
        Assert.IsType<RouteMatch.NotFound>(Router.Match("GET", "/api/docs/.json"));
    }

    [Fact]
    public void Match_RouteValues_AreUnescaped() =>
        Assert.Equal("a b", Assert.IsType<RouteMatch.Found>(Router.Match("GET", "/api/items/a%20b")).Values["id"]);
}
