using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

/// <summary>No request may produce a 500 because of its content; each bad body gets a clear problem.</summary>
[Collection(AppCollection.Name)]
public sealed class BadInputTests(AppFixture app)
{
    [Fact]
    public async Task MalformedJson_Is400WithPosition()
    {
        var (client, _) = await app.NewAccountAsync();
        var problem = await (await client.PostAsync("/v1/campaigns", Requests.Json("{\"name\": \"x\",,}"))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("line 1", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task NonJsonContentType_Is415()
    {
        var (client, _) = await app.NewAccountAsync();
        var content = new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded");
        await (await client.PostAsync("/v1/campaigns", content)).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task BodyOver32MiB_Is413()
    {
        var (client, _) = await app.NewAccountAsync();
        var big = new ByteArrayContent(new byte[33 * 1024 * 1024]);
        big.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/campaigns") { Content = big };
        request.Headers.ExpectContinue = true; // the server answers before the body is sent
        await (await client.SendAsync(request)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    public static TheoryData<string, string, string> OddBodies => new()
    {
        { "POST", "/v1/campaigns", "[]" },
        { "POST", "/v1/campaigns", "null" },
        { "POST", "/v1/campaigns", "\"text\"" },
        { "POST", "/v1/campaigns", "" },
        { "POST", "/v1/campaigns", "{\"contacts\": {\"phone\": \"+919876543210\"}}" },
        { "POST", "/v1/campaigns", "{\"contacts\": [null, 1, [], {\"phone\": null, \"name\": {}}]}" },
        { "POST", "/v1/campaigns", "{\"name\": \"\\u0000\\ud800\", \"schedule\": []}" },
        { "POST", "/v1/campaigns", "{\"contacts\": [{\"phone\": \"+919876543210\", \"name\": \"x\", \"\\udc00\": \"\\ud800\"}]}" },
        { "PATCH", "/v1/campaigns/cmp_0000000000000a", "{\"\\ud800\": \"stop\"}" },
        { "POST", "/v1/campaigns", "{\"schedule\": {\"start_time\": \"9999-12-31T23:59:59\", \"end_time\": \"0001-01-01T00:00:00\", \"timezone\": \"Etc/GMT+14\"}}" },
        { "POST", "/v1/campaigns", "{\"max_attempts\": 1e400, \"retry_interval_minutes\": -0}" },
        { "POST", "/v1/campaigns", new string('[', 100) + new string(']', 100) },
        { "PATCH", "/v1/campaigns/cmp_0000000000000a", "{\"action\": null}" },
        { "DELETE", "/v1/campaigns/cmp_0000000000000a/contacts", "{\"phones\": [null, 5, \"+\"]}" },
        { "GET", "/v1/campaigns?limit=99999999999999999999&offset=1e3&from=2024-13-45", "" },
        { "GET", "/v1/campaigns/%2F..%2F/contacts?cursor=%FF%FE", "" },
    };

    [Theory]
    [MemberData(nameof(OddBodies))]
    public async Task OddInput_NeverProducesA500(string method, string path, string body)
    {
        var (client, _) = await app.NewAccountAsync();
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET")
            request.Content = Requests.Json(body);
        var response = await client.SendAsync(request);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{method} {path} {body} gave {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnknownRoute_Is404Problem()
    {
        var (client, _) = await app.NewAccountAsync();
        var response = await client.GetAsync("/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
