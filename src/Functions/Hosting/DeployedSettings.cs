namespace Campaigns.Functions.Hosting;

/// <summary>
/// The app settings the app reads when it runs in Azure (infra/main.bicep sets each of them; a test reads the compiled
/// template and fails when one is missing). Connections are identity-based, as the Functions host names them: a
/// connection <c>X</c> is <c>X__accountName</c> or <c>X__fullyQualifiedNamespace</c>, with <c>X__credential</c> =
/// <c>managedidentity</c> and <c>X__clientId</c> naming the user-assigned identity. No setting holds a key: the voice
/// agent's API key is a Key Vault reference, resolved by the platform with the same identity.
/// Every other setting (README, "Settings") has a default that suits Azure.
/// </summary>
public static class DeployedSettings
{
    /// <summary>Settings the template must always set, with what each is for.</summary>
    public static IReadOnlyDictionary<string, string> Required { get; } = new Dictionary<string, string>
    {
        ["AzureWebJobsStorage__accountName"] = "the storage account of the host, the task hub and the app's tables, queues and blobs",
        ["AzureWebJobsStorage__credential"] = "managedidentity",
        ["AzureWebJobsStorage__clientId"] = "the user-assigned identity's client id",
        ["ServiceBusConnection__fullyQualifiedNamespace"] = "the Service Bus namespace (events out, call results in)",
        ["ServiceBusConnection__credential"] = "managedidentity",
        ["ServiceBusConnection__clientId"] = "the user-assigned identity's client id",
        ["ServiceBusTopic"] = "the topic events are published to",
        ["CallResultsQueue"] = "the queue call results are taken from",
        ["QueuePrefix"] = "prefix of the app's queues and upload container",
        ["TaskHub"] = "the Durable task hub's name",
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "where telemetry goes (not a secret: it names the resource; ingestion is Entra-authenticated)",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "Authorization=AAD;ClientId=<identity>: telemetry is sent with the managed identity",
        ["VoiceAgent__Kind"] = "simulator or http",
        ["VoiceAgent__Url"] = "the provider's call endpoint (empty with the simulator)",
        ["VoiceAgent__CallbackBaseUrl"] = "this app's public URL, for the provider's result callbacks",
        ["VoiceAgent__ApiKey"] = "a Key Vault reference (@Microsoft.KeyVault(...)), never the key itself",
    };

    /// <summary>Settings that must never appear in a deployed app's settings: they would hold a secret or a key-based connection.</summary>
    public static IReadOnlyList<string> Forbidden { get; } =
    [
        "AzureWebJobsStorage", // a connection string; identity-based children only
        "ServiceBusConnection", // a connection string; identity-based children only
        "CAMPAIGNS_DEV_API_KEY", // a development key in plain text; deployed apps bootstrap their first key (docs/deploy.md)
        "APPINSIGHTS_INSTRUMENTATIONKEY", // the legacy key setting; the connection string replaces it
    ];
}
