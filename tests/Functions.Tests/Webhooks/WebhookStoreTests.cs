using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Tests.Infrastructure;
using NodaTime;

namespace Campaigns.Functions.Tests.Webhooks;

[Collection(AppCollection.Name)]
public sealed class WebhookStoreTests(AppFixture app)
{
    private static readonly Instant Now = Instant.FromUtc(2026, 3, 2, 10, 0);

    [Fact]
    public async Task Get_ReturnsTheStoredSecretSoDeliveriesCanBeSigned()
    {
        var store = app.Service<WebhookStore>();
        var account = "acct_" + Guid.NewGuid().ToString("N")[..12];
        var created = await store.CreateAsync(account, new Uri("https://example.com/hook"), ["call.*"], "whsec_stored_for_signing_01", Now, CancellationToken.None);

        var read = await store.GetAsync(account, created!.Id, CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal("whsec_stored_for_signing_01", read.Secret);
        Assert.Equal(["call.*"], read.Events);
        Assert.Equal(Now, read.CreatedAt);
        Assert.Equal("https://example.com/hook", read.Url);
    }

    [Fact]
    public void ToString_OfAWebhook_NeverContainsTheSecret()
    {
        var hook = new Webhook("acct_x", "wh_x", "https://example.com/hook", ["*"], "whsec_never_in_logs_0001", Now, default);
        Assert.DoesNotContain("whsec_never_in_logs_0001", hook.ToString());
        Assert.DoesNotContain("whsec_never_in_logs_0001", $"{hook with { Url = "https://example.com/other" }}");
    }

    [Fact]
    public async Task Delete_ThenCreate_KeepsTheCountRight()
    {
        var store = app.Service<WebhookStore>();
        var account = "acct_" + Guid.NewGuid().ToString("N")[..12];
        var ids = new List<string>();
        for (var i = 0; i < 25; i++)
            ids.Add((await store.CreateAsync(account, new Uri($"https://example.com/{i}"), ["*"], "whsec_count_test_000001", Now, CancellationToken.None))!.Id);
        Assert.Null(await store.CreateAsync(account, new Uri("https://example.com/26"), ["*"], "whsec_count_test_000001", Now, CancellationToken.None));

        Assert.True(await store.DeleteAsync(account, ids[0], CancellationToken.None));
        Assert.False(await store.DeleteAsync(account, ids[0], CancellationToken.None));

        Assert.NotNull(await store.CreateAsync(account, new Uri("https://example.com/26"), ["*"], "whsec_count_test_000001", Now, CancellationToken.None));
        Assert.Equal(25, (await store.ListAsync(account, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheWebhooksEndpoints()
    {
        var response = await app.ClientWith(null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["paths"]!;

        Assert.NotNull(paths["/v1/webhooks"]!["post"]!["requestBody"]);
        Assert.NotNull(paths["/v1/webhooks"]!["get"]);
        Assert.NotNull(paths["/v1/webhooks/{id}"]!["get"]);
        Assert.NotNull(paths["/v1/webhooks/{id}"]!["delete"]);
        Assert.NotNull(paths["/v1/webhooks/{id}/deliveries"]!["get"]);
        Assert.Equal("Webhooks", paths["/v1/webhooks"]!["post"]!["tags"]![0]!.GetValue<string>());
    }
}
