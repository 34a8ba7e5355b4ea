using System.Net;
using System.Text.Json.Nodes;
using Campaigns.LocalHost.Tests.Infrastructure;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.LocalHost.Tests.Http;

/// <summary>
/// host.json sets functionTimeout to 3 s here. A function still running then is cancelled (InvocationCancel
/// reaches the worker, whose CancellationToken fires) and the client gets a 504 problem that says it timed out.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_a_function_runs_past_functionTimeout(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task The_invocation_is_cancelled_and_the_client_gets_a_timeout_problem()
    {
        var hostJson = SampleApp.HostJsonWithTimeout(TimeSpan.FromSeconds(3));
        await using var app = await SampleApp.StartAsync(storage, output, hostJsonPath: hostJson);
        Assert.Equal(TimeSpan.FromSeconds(3), app.Host.HostJson.FunctionTimeout);

        using var response = await app.Http.GetAsync("slow?ms=60000&key=late");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("timed out", problem["detail"]!.GetValue<string>());
        var records = await Eventually.UntilAsync(() => app.RecordsAsync("slow", "late"),
            r => r.Any(x => SampleApp.Stage(x) == "cancelled"), "the function saw its cancellation");
        Assert.DoesNotContain(records, r => SampleApp.Stage(r) == "finished");
    }
}
