using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Campaigns.Functions.Integration.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campaigns.Functions.Tests.ServiceBus;

public class ServiceBusAddressTests
{
    private const string Key = "q2S1bG9yZW0raXBzdW0vZG9sb3Isc2l0PWFtZXQ=";

    [Fact]
    public void Parse_ServiceBusConnectionString_IsTlsOn5671WithSaslPlain()
    {
        var address = ServiceBusAddress.Parse($"Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={Key}");

        Assert.True(address.UseTls);
        Assert.Equal(("contoso.servicebus.windows.net", 5671, AmqpAuth.Plain, "RootManageSharedAccessKey"), (address.Host, address.Port, address.Auth, address.User));
        Assert.Null(address.EntityPath);
        var amqp = address.ToAmqpAddress();
        Assert.Equal(("AMQPS", "RootManageSharedAccessKey", Key), (amqp.Scheme.ToUpperInvariant(), amqp.User, amqp.Password));
    }

    [Fact]
    public void Parse_ConnectionStringWithEntityPathAndCbs_UsesCbsAndKeepsTheEntity()
    {
        var address = ServiceBusAddress.Parse($" Endpoint = sb://contoso.servicebus.windows.net ; SharedAccessKeyName=send;SharedAccessKey={Key};EntityPath=campaign-events;UseCbs=true ");

        Assert.Equal((AmqpAuth.Cbs, "campaign-events", 5671), (address.Auth, address.EntityPath, address.Port));
        Assert.Null(address.ToAmqpAddress().User); // SASL ANONYMOUS, the key travels only inside tokens
    }

    [Fact]
    public void Parse_DevelopmentEmulator_IsPlainAmqpOn5672()
    {
        var address = ServiceBusAddress.Parse($"Endpoint=sb://localhost;SharedAccessKeyName=K;SharedAccessKey={Key};UseDevelopmentEmulator=true");

        Assert.Equal((false, 5672), (address.UseTls, address.Port));
    }

    [Theory]
    [InlineData("amqp://guest:guest@127.0.0.1:5673", false, 5673, "Plain", "guest")]
    [InlineData("amqps://user%40x:p%40ss@broker.example", true, 5671, "Plain", "user@x")]
    [InlineData("amqp://broker.example", false, 5672, "Anonymous", null)]
    public void Parse_AmqpUrl_GivesHostPortAndSasl(string url, bool tls, int port, string auth, string? user)
    {
        var address = ServiceBusAddress.Parse(url);

        Assert.Equal((tls, port, auth, user), (address.UseTls, address.Port, address.Auth.ToString(), address.User));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("just-a-name", "neither a connection string")]
    [InlineData("SharedAccessKeyName=K;SharedAccessKey=S", "no Endpoint")]
    [InlineData("Endpoint=https://contoso.servicebus.windows.net/;SharedAccessKeyName=K;SharedAccessKey=S", "sb:// scheme")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKey=S", "no SharedAccessKeyName")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=K", "no SharedAccessKey")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=K;SharedAccessKey=S;UseCbs=yes", "UseCbs must be true or false")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=K;TopSecretValue", "part 3 has no name")]
    [InlineData("amqp://guestonly@host", "user:password")]
    public void Parse_Malformed_ThrowsFormatExceptionNamingTheProblem(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ServiceBusAddress.Parse(text));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("TopSecretValue", error.Message);
    }

    [Theory]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=K;SharedAccessKey=" + Key)]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=K;SharedAccessKey=" + Key + ";UseCbs=true")]
    [InlineData("amqps://user:" + "s3cr3t-pass" + "@broker.example:5671")]
    public void ToString_NeverShowsTheSecret(string text)
    {
        var shown = ServiceBusAddress.Parse(text).ToString();

        Assert.DoesNotContain(Key, shown);
        Assert.DoesNotContain("s3cr3t", shown);
        Assert.StartsWith("amqp", shown);
    }

    [Fact]
    public void CreateSasToken_FixedClock_MatchesTheDocumentedFormula()
    {
        var address = ServiceBusAddress.Parse($"Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send-rule;SharedAccessKey={Key};UseCbs=true");
        var expiresAt = new DateTimeOffset(2026, 3, 2, 11, 0, 0, TimeSpan.Zero);

        var token = address.CreateSasToken("campaign-events", expiresAt);

        // Computed here from Microsoft's description: sig = base64(HMAC-SHA256(UTF-8 key, encoded-uri + "\n" + expiry)).
        var encodedUri = Uri.EscapeDataString("sb://contoso.servicebus.windows.net/campaign-events");
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(Key));
        var signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(encodedUri + "\n" + expiry)));
        Assert.Equal($"SharedAccessSignature sr={encodedUri}&sig={Uri.EscapeDataString(signature)}&se=1772449200&skn=send-rule", token);
        Assert.Equal("1772449200", expiry);
    }

    [Fact]
    public void CreateSasToken_WithoutCbs_Throws()
    {
        var address = ServiceBusAddress.Parse("amqp://guest:guest@localhost");

        Assert.Throws<InvalidOperationException>(() => address.CreateSasToken("q", DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void From_NoConnection_BrokerAndListenerAreOff()
    {
        var options = ServiceBusOptions.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["CallResultsQueue"] = "results" }).Build());

        Assert.Equal((false, false, ServiceBusOptions.DefaultTopic), (options.Enabled, options.ListenerEnabled, options.Topic));
    }

    [Fact]
    public void From_Settings_AreRead()
    {
        var options = ServiceBusOptions.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ServiceBusConnection"] = $"Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=K;SharedAccessKey={Key};EntityPath=from-path",
            ["CallResultsQueue"] = "call-results",
            ["ServiceBus:MaxUnsettled"] = "64",
            ["ServiceBus:SendTimeoutSeconds"] = "7",
        }).Build());

        Assert.Equal((true, true, "from-path", "call-results", 64, TimeSpan.FromSeconds(7)),
            (options.Enabled, options.ListenerEnabled, options.Topic, options.CallResultsQueue, options.MaxUnsettled, options.SendTimeout));
    }

    [Fact]
    public async Task AddServiceBusIntegration_NoConnection_PublisherDisabledAndListenerIdle()
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddServiceBusIntegration();
        await using var provider = services.BuildServiceProvider();

        var publisher = provider.GetRequiredService<IEventPublisher>();
        var listener = Assert.IsType<CallResultsListener>(Assert.Single(provider.GetServices<IHostedService>()));
        await listener.StartAsync(CancellationToken.None);

        Assert.False(publisher.Enabled);
        await listener.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<InvalidOperationException>(() => publisher.PublishAsync([TestEvents.One(1)], CancellationToken.None));
    }
}
