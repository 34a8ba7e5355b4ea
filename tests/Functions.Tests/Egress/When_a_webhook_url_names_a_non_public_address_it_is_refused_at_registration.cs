using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Campaigns.Functions.Tests.Egress;

/// <summary>In production a webhook URL whose host is written as a non-public address, or is localhost, is a 400 naming <c>url</c>.</summary>
[Collection(EgressCollection.Name)]
public sealed class When_a_webhook_url_names_a_non_public_address_it_is_refused_at_registration(EgressFixture app)
{
    [Theory]
    [InlineData("https://10.0.0.5/hooks", "10.0.0.5")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "169.254.169.254")]
    [InlineData("https://[fd00:ec2::254]/latest", "fd00:ec2::254")]
    [InlineData("https://168.63.129.16/machine", "168.63.129.16")]
    [InlineData("https://[::ffff:127.0.0.1]/hooks", "::ffff:127.0.0.1")]
    [InlineData("http://localhost:8080/hooks", "localhost")]
    [InlineData("http://127.0.0.1:8080/hooks", "127.0.0.1")]
    [InlineData("https://100.64.0.1/hooks", "100.64.0.1")]
    public async Task The_create_is_a_validation_problem_naming_url(string url, string named)
    {
        var (client, _) = await app.NewAccountAsync();

        var response = await client.PostAsJsonAsync("/v1/webhooks", new { url });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var error = Assert.Single((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray())!;
        Assert.Equal("url", error["field"]!.GetValue<string>());
        Assert.Contains(named, error["detail"]!.GetValue<string>());
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/v1/webhooks"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task A_name_or_a_public_address_is_accepted()
    {
        var (client, _) = await app.NewAccountAsync();

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/webhooks", new { url = "https://hooks.tenant.example/in" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/webhooks", new { url = "https://93.184.215.14/in" })).StatusCode);
    }
}
