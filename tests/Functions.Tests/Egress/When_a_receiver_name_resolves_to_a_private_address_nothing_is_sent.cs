using System.Net;
using System.Text;
using Campaigns.Domain.Network;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Tests.Webhooks;
using Microsoft.AspNetCore.Http;
using NodaTime;

namespace Campaigns.Functions.Tests.Egress;

/// <summary>
/// The webhook sender in a production deployment: every connection resolves its host through the app's resolver and is
/// checked before a socket opens. The receiver is real (on 127.0.0.1), reached only through the public address the
/// test's resolver gives it.
/// </summary>
[Collection(EgressCollection.Name)]
public sealed class When_a_receiver_name_resolves_to_a_private_address_nothing_is_sent(EgressFixture app) : IAsyncLifetime
{
    private static readonly Instant Now = Instant.FromUtc(2026, 3, 2, 15, 0, 5);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"specversion":"1.0","id":"evt_egress","type":"campaign.created"}""");
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private Uri UrlFor(string host) => new($"http://{host}:{_receiver.Url().Port}/hooks/campaigns");

    private Task<DeliveryAttempt> SendAsync(Uri url) =>
        app.Service<WebhookSender>().SendAsync(new Webhook("acct_egress", "wh_egress", url.ToString(), ["*"], "whsec_egress_test_secret_0001", Now, default),
            "evt_egress", "campaign.created", Body, Now, CancellationToken.None);

    [Fact]
    public void The_app_runs_with_the_production_policy() => Assert.Equal(EgressPolicy.PublicOnly, app.Service<EgressPolicy>());

    [Theory]
    [InlineData("private.hooks.example", new[] { "10.0.0.5" }, "10.0.0.5")]
    [InlineData("metadata.hooks.example", new[] { "169.254.169.254" }, "169.254.169.254")]
    [InlineData("mapped.hooks.example", new[] { "::ffff:127.0.0.1" }, "::ffff:127.0.0.1")]
    [InlineData("mixed.hooks.example", new[] { "93.184.215.14", "10.0.0.5" }, "10.0.0.5")]
    public async Task A_name_resolving_to_a_non_public_address_is_refused_before_any_socket_opens(string host, string[] addresses, string named)
    {
        app.Resolver.Answer(host, addresses);
        var connectsBefore = app.Connector.Attempts.Count;

        var attempt = await SendAsync(UrlFor(host));

        Assert.False(attempt.Delivered);
        Assert.Null(attempt.StatusCode);
        Assert.StartsWith("not sent: ", attempt.Error);
        Assert.Contains($"{host} resolves to {named}", attempt.Error);
        Assert.Contains(host, app.Resolver.Lookups);
        Assert.Equal(connectsBefore, app.Connector.Attempts.Count); // no socket was asked for, not even to the public address
        Assert.Empty(_receiver.Received);
    }

    [Fact]
    public async Task A_name_resolving_to_a_public_address_is_connected_to_at_that_checked_address()
    {
        app.Resolver.Answer("public.hooks.example", EgressFixture.PublicAddress.ToString());
        var connectsBefore = app.Connector.Attempts.Count;

        var attempt = await SendAsync(UrlFor("public.hooks.example"));

        Assert.True(attempt.Delivered, attempt.Error);
        Assert.Equal(new IPEndPoint(EgressFixture.PublicAddress, _receiver.Url().Port), Assert.Single(app.Connector.Attempts.Skip(connectsBefore)));
        Assert.Equal($"public.hooks.example:{_receiver.Url().Port}", Assert.Single(_receiver.Received).Headers["Host"]);
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_private_address_later_is_refused_at_its_next_connection()
    {
        _receiver.Respond = http =>
        {
            http.Response.Headers.Connection = "close"; // the next delivery needs a new connection, and so a new lookup
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        };
        app.Resolver.Answer("rebinding.hooks.example", EgressFixture.PublicAddress.ToString());
        var connectsBefore = app.Connector.Attempts.Count;
        Assert.True((await SendAsync(UrlFor("rebinding.hooks.example"))).Delivered);

        app.Resolver.Answer("rebinding.hooks.example", "10.0.0.5"); // the name's owner points it inside our network
        var second = await SendAsync(UrlFor("rebinding.hooks.example"));

        Assert.False(second.Delivered);
        Assert.Contains("rebinding.hooks.example resolves to 10.0.0.5", second.Error);
        Assert.Single(_receiver.Received);
        Assert.All(app.Connector.Attempts.Skip(connectsBefore), e => Assert.Equal(EgressFixture.PublicAddress, e.Address));
    }

    [Fact]
    public async Task A_receiver_on_loopback_is_refused_by_the_production_defaults()
    {
        var connectsBefore = app.Connector.Attempts.Count;

        var attempt = await SendAsync(_receiver.Url()); // http://127.0.0.1:port/...: what the Development tests deliver to

        Assert.False(attempt.Delivered);
        Assert.Contains("127.0.0.0/8 (loopback", attempt.Error);
        Assert.Equal(connectsBefore, app.Connector.Attempts.Count);
        Assert.Empty(_receiver.Received);
    }
}
