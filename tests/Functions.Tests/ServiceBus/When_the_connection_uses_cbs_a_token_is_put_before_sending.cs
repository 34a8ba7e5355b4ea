using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Campaigns.Functions.Integration.ServiceBus;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// With <c>UseCbs=true</c> the publisher signs in with SASL ANONYMOUS and puts a SAS token on <c>$cbs</c> for the topic
/// before it attaches the sender, then again before the token runs out. The broker here is an AMQPNetLite
/// <see cref="ContainerHost"/> that answers put-token requests and accepts messages, recording both in order.
/// </summary>
public class When_the_connection_uses_cbs_a_token_is_put_before_sending : IDisposable
{
    private const string KeyName = "send-rule";
    private const string Key = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ==";
    private readonly ContainerHost _host;
    private readonly int _port;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentQueue<Message> _putTokens = new();

    public When_the_connection_uses_cbs_a_token_is_put_before_sending()
    {
        _port = FreePort();
        _host = new ContainerHost(new Address($"amqp://127.0.0.1:{_port}"));
        _host.Listeners[0].SASL.EnableAnonymousMechanism = true;
        _host.RegisterRequestProcessor("$cbs", new CbsProcessor(this));
        _host.RegisterMessageProcessor("campaign-events", new Accepting(this));
        _host.Open();
    }

    [Fact]
    public async Task The_put_token_is_well_formed_and_comes_before_the_first_event()
    {
        await using var publisher = Broker.Publisher(Options(TimeSpan.FromHours(1)));
        var events = TestEvents.Batch(3);
        var before = DateTimeOffset.UtcNow;

        await publisher.PublishAsync(events, CancellationToken.None);

        Assert.Equal(["put-token sb://127.0.0.1/campaign-events", .. events.Select(e => "message " + e.Id)], _log);
        var request = Assert.Single(_putTokens);
        Assert.Equal("servicebus.windows.net:sastoken", request.ApplicationProperties["type"]);
        Assert.Equal("sb://127.0.0.1/campaign-events", request.ApplicationProperties["name"]);
        var token = Assert.IsType<string>(request.Body);
        Assert.StartsWith("SharedAccessSignature ", token);
        var fields = token["SharedAccessSignature ".Length..].Split('&').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);
        Assert.Equal(["sr", "sig", "se", "skn"], fields.Keys);
        Assert.Equal((Uri.EscapeDataString("sb://127.0.0.1/campaign-events"), KeyName), (fields["sr"], fields["skn"]));
        var expiry = DateTimeOffset.FromUnixTimeSeconds(long.Parse(fields["se"], CultureInfo.InvariantCulture));
        Assert.InRange(expiry, before.AddHours(1).AddSeconds(-2), DateTimeOffset.UtcNow.AddHours(1).AddSeconds(2));
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(Key));
        var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(fields["sr"] + "\n" + fields["se"])));
        Assert.Equal(expected, Uri.UnescapeDataString(fields["sig"]));
    }

    [Fact]
    public async Task The_token_is_put_again_before_it_expires()
    {
        await using var publisher = Broker.Publisher(Options(TimeSpan.FromSeconds(1))); // put again after 0.8 s

        await publisher.PublishAsync(TestEvents.Batch(1), CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (_putTokens.Count < 2)
            await Task.Delay(50, timeout.Token);
        await publisher.PublishAsync(TestEvents.Batch(1), CancellationToken.None); // same connection, still authorized

        Assert.True(_putTokens.Count >= 2);
    }

    private ServiceBusOptions Options(TimeSpan tokenLifetime) => new()
    {
        Address = ServiceBusAddress.Parse($"Endpoint=sb://127.0.0.1:{_port}/;SharedAccessKeyName={KeyName};SharedAccessKey={Key};UseCbs=true;UseDevelopmentEmulator=true"),
        Topic = "campaign-events",
        SendTimeout = TimeSpan.FromSeconds(5),
        TokenLifetime = tokenLifetime,
    };

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose() => _host.Close();

    private sealed class CbsProcessor(When_the_connection_uses_cbs_a_token_is_put_before_sending test) : IRequestProcessor
    {
        public int Credit => 10;

        public void Process(RequestContext requestContext)
        {
            var request = requestContext.Message;
            test._putTokens.Enqueue(request);
            test._log.Enqueue($"{request.ApplicationProperties["operation"]} {request.ApplicationProperties["name"]}");
            var response = new Message { Properties = new Properties { CorrelationId = request.Properties.MessageId }, ApplicationProperties = new ApplicationProperties() };
            response.ApplicationProperties["status-code"] = 202;
            response.ApplicationProperties["status-description"] = "Accepted";
            requestContext.Complete(response);
        }
    }

    private sealed class Accepting(When_the_connection_uses_cbs_a_token_is_put_before_sending test) : IMessageProcessor
    {
        public int Credit => 100;

        public void Process(MessageContext messageContext)
        {
            test._log.Enqueue("message " + messageContext.Message.Properties.MessageId);
            messageContext.Complete();
        }
    }
}
