using System.Net;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class AuthenticationTests(AppFixture app)
{
    [Theory]
    [InlineData("GET", "/v1/campaigns")]
    [InlineData("POST", "/v1/campaigns")]
    [InlineData("GET", "/v1/campaigns/cmp_0000000000000a")]
    [InlineData("PATCH", "/v1/campaigns/cmp_0000000000000a")]
    [InlineData("DELETE", "/v1/campaigns/cmp_0000000000000a/contacts")]
    public async Task NoKey_Is401WithWwwAuthenticate(string method, string path)
    {
        var response = await app.ClientWith(null).SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Requests.Json("{}") });
        await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task WrongKey_Is401WithInvalidToken()
    {
        var response = await app.ClientWith("ck_not_a_real_key").GetAsync("/v1/campaigns");
        await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter);
    }

    [Fact]
    public async Task AccessTokenCookie_IsAcceptedLikeTheBearerKey()
    {
        var (bearer, key) = await app.NewAccountAsync();
        var id = (await bearer.CreateCampaignAsync())["id"]!.GetValue<string>();

        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/campaigns/{id}");
        request.Headers.Add("Cookie", $"access_token={key}");
        var response = await app.ClientWith(null).SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DevKeyFromConfiguration_Works()
    {
        var response = await app.ClientWith(app.DevApiKey).GetAsync("/v1/campaigns");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ApiKeys_AreStoredOnlyAsHashes()
    {
        var (_, key) = await app.NewAccountAsync();
        var table = new Azure.Data.Tables.TableServiceClient(app.StorageConnectionString)
            .GetTableClient(app.Prefix + "accounts");
        var everything = string.Join("\n", table.Query<Azure.Data.Tables.TableEntity>()
            .SelectMany(e => e.Select(kv => kv.Value is byte[] bytes ? Convert.ToBase64String(bytes) : kv.Value?.ToString())));
        Assert.DoesNotContain(key, everything);
        Assert.DoesNotContain(app.DevApiKey, everything);
    }
}
