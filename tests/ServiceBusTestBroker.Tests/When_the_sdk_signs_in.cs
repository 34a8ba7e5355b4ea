using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// The SDK logs in with SASL MSSBCBS and puts a SAS token on $cbs before each link; the broker checks the token's
/// key name, signature, expiry and audience as Service Bus does, so a client with the wrong credentials fails here too.
/// </summary>
public class When_the_sdk_signs_in
{
    [Fact]
    public async Task A_client_with_the_configured_key_sends()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));

        await scope.SendAsync("results", BrokerScope.Message("m1"));

        Assert.Equal(1, scope.Broker.CountMessages("results").Active);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_as_unauthorized()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        var client = scope.NewClient(scope.Broker.ConnectionStringWith(scope.Broker.KeyName, "not-the-key"));
        await using var sender = client.CreateSender("results");

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => sender.SendMessageAsync(BrokerScope.Message("m1")));
        Assert.Equal(0, scope.Broker.CountMessages("results").Total);
    }

    [Fact]
    public async Task A_wrong_key_name_is_refused_as_unauthorized()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        var client = scope.NewClient(scope.Broker.ConnectionStringWith("SendOnly", scope.Broker.Key));
        await using var receiver = client.CreateReceiver("results");

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task An_expired_signature_is_refused_as_unauthorized()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        var token = Signature(scope.Broker, $"sb://127.0.0.1:{scope.Broker.Port}/results", DateTimeOffset.UtcNow.AddMinutes(-1));
        var client = scope.NewClient(SignatureConnectionString(scope.Broker, token));
        await using var sender = client.CreateSender("results");

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => sender.SendMessageAsync(BrokerScope.Message("m1")));
    }

    [Fact]
    public async Task A_signature_for_another_entity_is_refused_as_unauthorized()
    {
        await using var scope = BrokerScope.Start(b =>
        {
            b.AddQueue("results");
            b.AddQueue("other");
        });
        var token = Signature(scope.Broker, $"sb://127.0.0.1:{scope.Broker.Port}/other", DateTimeOffset.UtcNow.AddHours(1));
        var client = scope.NewClient(SignatureConnectionString(scope.Broker, token));
        await using var sender = client.CreateSender("results");

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => sender.SendMessageAsync(BrokerScope.Message("m1")));
    }

    [Fact]
    public async Task A_valid_signature_for_the_entity_is_accepted()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        var token = Signature(scope.Broker, $"sb://127.0.0.1:{scope.Broker.Port}/results", DateTimeOffset.UtcNow.AddHours(1));
        var client = scope.NewClient(SignatureConnectionString(scope.Broker, token));
        await using var sender = client.CreateSender("results");

        await sender.SendMessageAsync(BrokerScope.Message("m1"));

        Assert.Equal(1, scope.Broker.CountMessages("results").Active);
    }

    private static string SignatureConnectionString(ServiceBusTestBroker broker, string token) =>
        $"Endpoint=sb://127.0.0.1:{broker.Port};SharedAccessSignature={token};UseDevelopmentEmulator=true";

    /// <summary>A SAS token made by hand, the way Service Bus documents it.</summary>
    private static string Signature(ServiceBusTestBroker broker, string resource, DateTimeOffset expiry)
    {
        var encoded = Uri.EscapeDataString(resource);
        var se = expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(broker.Key));
        var signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(encoded + "\n" + se)));
        return $"SharedAccessSignature sr={encoded}&sig={Uri.EscapeDataString(signature)}&se={se}&skn={broker.KeyName}";
    }
}
