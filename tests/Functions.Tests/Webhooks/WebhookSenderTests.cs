using System.Net;
using System.Net.Sockets;
using System.Text;
using Campaigns.Domain.Webhooks;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using NodaTime;

namespace Campaigns.Functions.Tests.Webhooks;

/// <summary>The sender against a real HTTP receiver on a loopback port.</summary>
[Collection(AppCollection.Name)]
public sealed class WebhookSenderTests(AppFixture app) : IAsyncLifetime
{
    private const string Secret = "whsec_sender_test_secret_value_0001";
    private static readonly Instant Now = Instant.FromUtc(2026, 3, 2, 10, 0, 5);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"specversion":"1.0","id":"evt_01","type":"call.completed","source":"/campaigns/cmp_1","data":{"name":"Zoë"}}""");

    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static Webhook Hook(Uri url) => new("acct_sender", "wh_test", url.ToString(), ["*"], Secret, Now, default);

    private Task<DeliveryAttempt> SendAsync(Uri url) =>
        app.Service<WebhookSender>().SendAsync(Hook(url), "evt_01", "call.completed", Body, Now, CancellationToken.None);

    [Fact]
    public async Task Send_ToA2xxReceiver_IsDeliveredWithAVerifiableSignatureAndTheEventHeaders()
    {
        var attempt = await SendAsync(_receiver.Url());

        Assert.Equal(new DeliveryAttempt(true, 204, null, attempt.DurationMs), attempt);
        var request = Assert.Single(_receiver.Received);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hooks/campaigns", request.Path);
        Assert.Equal(Body, request.Body);
        Assert.Equal("application/cloudevents+json; charset=utf-8", request.Headers["Content-Type"]);
        Assert.Equal("evt_01", request.Headers["Campaigns-Event-Id"]);
        Assert.Equal("call.completed", request.Headers["Campaigns-Event-Type"]);
        Assert.Equal("Campaigns-Webhooks/1", request.Headers["User-Agent"]);
        var signature = request.Headers["Campaigns-Signature"];
        Assert.StartsWith($"t={Now.ToUnixTimeSeconds()},v1=", signature);
        Assert.True(WebhookSignature.Verify(Secret, signature, request.Body, Now + Duration.FromSeconds(2)));
        Assert.False(WebhookSignature.Verify("whsec_some_other_secret_value", signature, request.Body, Now));
        Assert.DoesNotContain(request.Headers.Values, v => v.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Send_ToAReceiverAnswering500_IsNotDeliveredAndKeepsTheStatusAndAShortBody()
    {
        _receiver.Respond = async http =>
        {
            http.Response.StatusCode = 500;
            await http.Response.WriteAsync("database down " + new string('x', 1000));
        };

        var attempt = await SendAsync(_receiver.Url());

        Assert.False(attempt.Delivered);
        Assert.Equal(500, attempt.StatusCode);
        Assert.NotNull(attempt.Error);
        Assert.StartsWith("HTTP 500", attempt.Error);
        Assert.Contains("database down", attempt.Error);
        Assert.True(attempt.Error!.Count(c => c == 'x') < 200, attempt.Error);
        Assert.DoesNotContain(Secret, attempt.Error);
    }

    [Fact]
    public async Task Send_ToAReceiverThatRedirects_DoesNotFollowIt()
    {
        _receiver.Respond = http =>
        {
            http.Response.StatusCode = 302;
            http.Response.Headers.Location = "/elsewhere";
            return Task.CompletedTask;
        };

        var attempt = await SendAsync(_receiver.Url());

        Assert.False(attempt.Delivered);
        Assert.Equal(302, attempt.StatusCode);
        Assert.Contains("redirects are not followed", attempt.Error);
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task Send_ToAClosedPort_HasNoStatusAndAShortError()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var attempt = await SendAsync(new Uri($"http://127.0.0.1:{port}/hooks"));

        Assert.False(attempt.Delivered);
        Assert.Null(attempt.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(attempt.Error));
        Assert.True(attempt.Error!.Length <= 300, attempt.Error);
        Assert.DoesNotContain(Secret, attempt.Error);
    }

    [Fact]
    public async Task Send_ToAReceiverSlowerThanTenSeconds_TimesOut()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver.Respond = async http =>
        {
            await Task.WhenAny(release.Task, Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted));
        };
        try
        {
            var attempt = await SendAsync(_receiver.Url());

            Assert.False(attempt.Delivered);
            Assert.Null(attempt.StatusCode);
            Assert.Contains("timed out", attempt.Error);
        }
        finally
        {
            release.TrySetResult();
        }
    }
}
