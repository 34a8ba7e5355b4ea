using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// How the app reaches its Service Bus namespace, read as Azure Functions reads a connection named
/// <c>ServiceBusConnection</c>: the setting itself holds a connection string, or its <c>fullyQualifiedNamespace</c>
/// child names the namespace for a token credential (Microsoft Entra ID), with the optional <c>credential</c>
/// (<c>managedidentity</c>) and <c>clientId</c> (a user-assigned identity) children. <see cref="ToString"/> names
/// the namespace only: it is what logs show, never a key.
/// </summary>
internal sealed class ServiceBusConnection
{
    private ServiceBusConnection(string fullyQualifiedNamespace, string? connectionString, string? entityPath, string? credentialKind, string? clientId)
    {
        FullyQualifiedNamespace = fullyQualifiedNamespace;
        ConnectionString = connectionString;
        EntityPath = entityPath;
        CredentialKind = credentialKind;
        ClientId = clientId;
    }

    /// <summary>The namespace's host name, e.g. <c>contoso.servicebus.windows.net</c> (or <c>127.0.0.1:5672</c> for the test broker).</summary>
    public string FullyQualifiedNamespace { get; }

    /// <summary>The connection string (a secret: never logged); null when a token credential is used.</summary>
    public string? ConnectionString { get; }

    /// <summary>The connection string's <c>EntityPath</c>, if it names one.</summary>
    public string? EntityPath { get; }

    /// <summary><c>managedidentity</c>, or null for <see cref="DefaultAzureCredential"/>.</summary>
    public string? CredentialKind { get; }

    /// <summary>The client id of a user-assigned managed identity, or null.</summary>
    public string? ClientId { get; }

    public bool UsesTokenCredential => ConnectionString is null;

    /// <summary>Reads the <c>ServiceBusConnection</c> section; null when it holds nothing (no broker).</summary>
    public static ServiceBusConnection? From(IConfigurationSection section)
    {
        var value = section.Value?.Trim();
        if (!string.IsNullOrEmpty(value))
            return FromConnectionString(value);

        var fullyQualified = section["fullyQualifiedNamespace"]?.Trim();
        if (string.IsNullOrEmpty(fullyQualified))
            return null;
        var host = fullyQualified.Contains("://", StringComparison.Ordinal)
            ? Uri.TryCreate(fullyQualified, UriKind.Absolute, out var uri) ? uri.Authority : ""
            : fullyQualified.TrimEnd('/');
        if (host.Length == 0 || host.Contains('/', StringComparison.Ordinal) || Uri.CheckHostName(host.Split(':')[0]) == UriHostNameType.Unknown)
            throw new FormatException($"{section.Path}:fullyQualifiedNamespace must be a namespace host name such as contoso.servicebus.windows.net, not '{fullyQualified}'.");

        return new ServiceBusConnection(host, null, null, Hosting.AzureCredentials.KindOf(section), Hosting.AzureCredentials.ClientIdOf(section));
    }

    private static ServiceBusConnection FromConnectionString(string value)
    {
        if (value.StartsWith("amqp://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("amqps://", StringComparison.OrdinalIgnoreCase))
            throw new FormatException(
                "ServiceBusConnection must be a Service Bus connection string (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...) " +
                "or be replaced by ServiceBusConnection__fullyQualifiedNamespace; plain AMQP URLs are not supported since the app uses the Service Bus SDK.");
        ServiceBusConnectionStringProperties properties;
        try
        {
            properties = ServiceBusConnectionStringProperties.Parse(value);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            // The SDK's message does not quote the string; ours must not either (it holds the key).
            throw new FormatException("ServiceBusConnection is not a valid Service Bus connection string: " + ex.Message);
        }

        if (properties.Endpoint is null)
            throw new FormatException("ServiceBusConnection has no Endpoint=sb://NAMESPACE.servicebus.windows.net/.");
        if (string.IsNullOrEmpty(properties.SharedAccessSignature) && (string.IsNullOrEmpty(properties.SharedAccessKeyName) || string.IsNullOrEmpty(properties.SharedAccessKey)))
            throw new FormatException("ServiceBusConnection needs SharedAccessKeyName and SharedAccessKey (or SharedAccessSignature); for Microsoft Entra ID set ServiceBusConnection__fullyQualifiedNamespace instead.");
        return new ServiceBusConnection(properties.Endpoint.Authority, value, string.IsNullOrEmpty(properties.EntityPath) ? null : properties.EntityPath, null, null);
    }

    /// <summary>The token credential of a namespace connection: the managed identity named, or <see cref="DefaultAzureCredential"/>.</summary>
    public TokenCredential Credential() => Hosting.AzureCredentials.For(CredentialKind, ClientId);

    /// <summary>A client for this connection.</summary>
    public ServiceBusClient CreateClient(ServiceBusClientOptions options) => ConnectionString is { } connectionString
        ? new ServiceBusClient(connectionString, options)
        : new ServiceBusClient(FullyQualifiedNamespace, Credential(), options);

    public override string ToString() => UsesTokenCredential
        ? $"{FullyQualifiedNamespace} ({(ClientId is null ? CredentialKind ?? "DefaultAzureCredential" : "managed identity " + ClientId)})"
        : $"{FullyQualifiedNamespace} (connection string)";
}
