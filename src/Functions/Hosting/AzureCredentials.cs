using Azure.Core;
using Azure.Identity;

namespace Campaigns.Functions.Hosting;

/// <summary>
/// The token credential of an identity-based connection, chosen as the Functions host chooses it from a connection's
/// <c>credential</c> and <c>clientId</c> settings: a user-assigned managed identity when a client id is given, the
/// system-assigned identity for <c>credential=managedidentity</c> alone, otherwise <see cref="DefaultAzureCredential"/>
/// (a developer's <c>az login</c>, environment variables, or a managed identity).
/// </summary>
internal static class AzureCredentials
{
    public const string ManagedIdentity = "managedidentity";

    public static TokenCredential For(string? credentialKind, string? clientId) => (credentialKind, clientId) switch
    {
        (_, { Length: > 0 } id) => new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(id)),
        (ManagedIdentity, _) => new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned),
        _ => new DefaultAzureCredential(),
    };

    /// <summary>
    /// The <c>credential</c> child of a connection section: <c>managedidentity</c>, or null (DefaultAzureCredential).
    /// Anything else is a configuration error, reported with the setting's name.
    /// </summary>
    public static string? KindOf(IConfigurationSection section)
    {
        var credential = section["credential"]?.Trim();
        if (string.IsNullOrEmpty(credential))
            return null;
        if (!credential.Equals(ManagedIdentity, StringComparison.OrdinalIgnoreCase))
            throw new FormatException($"{section.Path}:credential must be '{ManagedIdentity}' or empty (DefaultAzureCredential), not '{credential}'.");
        return ManagedIdentity;
    }

    /// <summary>The <c>clientId</c> child of a connection section, or null.</summary>
    public static string? ClientIdOf(IConfigurationSection section) => section["clientId"]?.Trim() is { Length: > 0 } id ? id : null;
}
