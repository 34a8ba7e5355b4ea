using Microsoft.Extensions.Configuration;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Campaigns.Functions.Integration.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// <c>ServiceBusConnection</c> is read as Azure Functions reads a connection: a connection string, or
/// <c>ServiceBusConnection__fullyQualifiedNamespace</c> for Microsoft Entra ID (managed identity); a malformed one
/// fails at startup and never shows the key; the client is registered once and disposed with the container.
/// </summary>
public class When_service_bus_settings_are_read
{
    private const string Key = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY3OA==";

    private static ServiceBusOptions Read(params (string Key, string Value)[] settings) =>
        ServiceBusOptions.From(new ConfigurationBuilder().AddInMemoryCollection(
            settings.GroupBy(s => s.Key).Select(g => KeyValuePair.Create(g.Key, (string?)g.Last().Value))).Build()); // the last of a key wins

    [Fact]
    public void A_connection_string_names_the_namespace_and_its_entity_path_is_the_default_topic()
    {
        var options = Read(("ServiceBusConnection", $"Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={Key};EntityPath=events"));

        Assert.Equal(("contoso.servicebus.windows.net", false, "events"), (options.Connection!.FullyQualifiedNamespace, options.Connection.UsesTokenCredential, options.Topic));
        Assert.DoesNotContain(Key, options.Connection.ToString());
        Assert.False(options.ReceiverEnabled);
    }

    [Fact]
    public void A_fully_qualified_namespace_uses_a_token_credential_and_a_client_id_picks_the_user_assigned_identity()
    {
        var system = Read(("ServiceBusConnection:fullyQualifiedNamespace", "contoso.servicebus.windows.net"), ("CallResultsQueue", "results"));
        var managed = Read(("ServiceBusConnection:fullyQualifiedNamespace", "contoso.servicebus.windows.net"), ("ServiceBusConnection:credential", "managedidentity"));
        var assigned = Read(("ServiceBusConnection:fullyQualifiedNamespace", "sb://contoso.servicebus.windows.net/"), ("ServiceBusConnection:clientId", "0f6b3c7e-0000-4000-8000-000000000001"));

        Assert.Equal(("contoso.servicebus.windows.net", true, ServiceBusOptions.DefaultTopic, true), (system.Connection!.FullyQualifiedNamespace, system.Connection.UsesTokenCredential, system.Topic, system.ReceiverEnabled));
        Assert.IsType<DefaultAzureCredential>(system.Connection.Credential());
        Assert.IsType<ManagedIdentityCredential>(managed.Connection!.Credential());
        Assert.IsType<ManagedIdentityCredential>(assigned.Connection!.Credential());
        Assert.Equal("contoso.servicebus.windows.net", assigned.Connection.FullyQualifiedNamespace);
        Assert.Contains("0f6b3c7e-0000-4000-8000-000000000001", assigned.Connection.ToString());
    }

    [Fact]
    public void Nothing_configured_means_no_broker_and_no_receiver()
    {
        var options = Read(("CallResultsQueue", "results"));

        Assert.Equal((false, false, ServiceBusOptions.DefaultTopic), (options.Enabled, options.ReceiverEnabled, options.Topic));
    }

    [Theory]
    [InlineData("amqp://guest:guest@localhost:5672", "plain AMQP URLs are not supported")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send", "SharedAccessKey")]
    [InlineData("SharedAccessKeyName=send;SharedAccessKey=" + Key, "ServiceBusConnection")]
    public void A_malformed_connection_string_fails_at_startup_without_showing_the_key(string value, string explained)
    {
        var error = Assert.Throws<FormatException>(() => Read(("ServiceBusConnection", value)));

        Assert.Contains(explained, error.Message);
        Assert.DoesNotContain(Key, error.Message);
        Assert.DoesNotContain("guest:guest", error.Message);
    }

    [Theory]
    [InlineData("ServiceBusConnection:fullyQualifiedNamespace", "not a host/with/path")]
    [InlineData("ServiceBusConnection:credential", "clientsecret")]
    [InlineData("ServiceBus:MaxConcurrentCalls", "0")]
    [InlineData("ServiceBus:TransportType", "Http")]
    public void A_bad_setting_is_named_in_the_error(string key, string value)
    {
        var settings = new List<(string, string)> { ("ServiceBusConnection:fullyQualifiedNamespace", "contoso.servicebus.windows.net"), (key, value) };

        var error = Assert.Throws<FormatException>(() => Read([.. settings]));

        Assert.Contains(key.Split(':')[^1], error.Message);
    }

    [Fact]
    public async Task The_app_registers_one_client_the_publisher_and_the_receiver_and_disposes_the_client_with_the_container()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ServiceBusConnection"] = $"Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=send;SharedAccessKey={Key};UseDevelopmentEmulator=true",
            ["CallResultsQueue"] = "results",
            ["ServiceBus:TransportType"] = "AmqpWebSockets",
        }).Build();
        var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddServiceBusIntegration().BuildServiceProvider();

        var client = provider.GetRequiredService<ServiceBusClient>();
        Assert.Same(client, provider.GetRequiredService<ServiceBusClient>());
        Assert.Equal(("127.0.0.1", ServiceBusTransportType.AmqpWebSockets), (client.FullyQualifiedNamespace, client.TransportType));
        Assert.True(Assert.IsType<ServiceBusEventPublisher>(provider.GetRequiredService<IEventPublisher>()).Enabled);
        Assert.IsType<CallResultsReceiver>(Assert.Single(provider.GetServices<IHostedService>()));

        await provider.DisposeAsync();

        Assert.True(client.IsClosed);
    }
}
