using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Campaigns.Functions.Hosting;

namespace Campaigns.Functions.Storage;

/// <summary>
/// How the app reaches its storage account, read as the Functions host reads its <c>AzureWebJobsStorage</c>
/// connection: the setting itself holds a connection string (Azurite, tests, or an account key where an operator
/// insists), or its children name the account for a token credential (Microsoft Entra ID, no key anywhere):
/// <c>__accountName</c> (the public cloud's endpoints), or <c>__blobServiceUri</c>, <c>__queueServiceUri</c> and
/// <c>__tableServiceUri</c> each (other clouds, private endpoints), with <c>__credential</c>=<c>managedidentity</c>
/// and <c>__clientId</c> as for every identity-based connection. The app, the host and the Durable task hub share the
/// account. <see cref="ToString"/> names the account only, never a key.
/// </summary>
internal sealed class StorageConnection
{
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    private StorageConnection(string? connectionString, Uri? blob, Uri? queue, Uri? table, string? credentialKind, string? clientId)
    {
        ConnectionString = connectionString;
        BlobServiceUri = blob;
        QueueServiceUri = queue;
        TableServiceUri = table;
        CredentialKind = credentialKind;
        ClientId = clientId;
    }

    /// <summary>A connection string (a secret: never logged), or null for an identity-based connection.</summary>
    public string? ConnectionString { get; }

    public Uri? BlobServiceUri { get; }
    public Uri? QueueServiceUri { get; }
    public Uri? TableServiceUri { get; }

    /// <summary><c>managedidentity</c>, or null for DefaultAzureCredential.</summary>
    public string? CredentialKind { get; }

    /// <summary>The client id of a user-assigned managed identity, or null.</summary>
    public string? ClientId { get; }

    public bool UsesTokenCredential => ConnectionString is null;

    public static StorageConnection FromConnectionString(string connectionString) => new(connectionString, null, null, null, null, null);

    /// <summary>
    /// Reads the <c>AzureWebJobsStorage</c> section: its value, else its identity-based children, else Azurite's
    /// development storage. A partial or malformed identity-based setting fails here, naming the setting.
    /// </summary>
    public static StorageConnection From(IConfigurationSection section)
    {
        if (section.Value?.Trim() is { Length: > 0 } value)
            return FromConnectionString(value);
        var accountName = section["accountName"]?.Trim();
        var blob = ServiceUri(section, "blobServiceUri") ?? ServiceUri(section, "serviceUri");
        var queue = ServiceUri(section, "queueServiceUri");
        var table = ServiceUri(section, "tableServiceUri");
        if (string.IsNullOrEmpty(accountName) && blob is null && queue is null && table is null)
            return FromConnectionString(DevelopmentStorage);
        if (!string.IsNullOrEmpty(accountName))
        {
            if (accountName.Length is < 3 or > 24 || !accountName.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c)))
                throw new FormatException($"{section.Path}:accountName must be a storage account name (3 to 24 lowercase letters and digits), not '{accountName}'.");
            blob ??= new Uri($"https://{accountName}.blob.core.windows.net");
            queue ??= new Uri($"https://{accountName}.queue.core.windows.net");
            table ??= new Uri($"https://{accountName}.table.core.windows.net");
        }
        var missing = new[] { ("blobServiceUri", blob), ("queueServiceUri", queue), ("tableServiceUri", table) }.Where(x => x.Item2 is null).Select(x => x.Item1).ToList();
        if (missing.Count > 0)
            throw new FormatException($"{section.Path} needs accountName, or each of blobServiceUri, queueServiceUri and tableServiceUri: the app uses all three services. Missing: {string.Join(", ", missing)}.");
        return new StorageConnection(null, blob, queue, table, AzureCredentials.KindOf(section), AzureCredentials.ClientIdOf(section));
    }

    private static Uri? ServiceUri(IConfigurationSection section, string name)
    {
        if (section[name]?.Trim() is not { Length: > 0 } value)
            return null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            throw new FormatException($"{section.Path}:{name} must be an https:// service URL, not '{value}'.");
        return uri;
    }

    /// <summary>One credential for every client of this connection (token caches are per credential).</summary>
    private TokenCredential Credential => _credential ??= AzureCredentials.For(CredentialKind, ClientId);
    private TokenCredential? _credential;

    public TableServiceClient Tables(TableClientOptions options) =>
        ConnectionString is { } c ? new TableServiceClient(c, options) : new TableServiceClient(TableServiceUri, Credential, options);

    public QueueServiceClient Queues(QueueClientOptions options) =>
        ConnectionString is { } c ? new QueueServiceClient(c, options) : new QueueServiceClient(QueueServiceUri, Credential, options);

    public BlobServiceClient Blobs(BlobClientOptions options) =>
        ConnectionString is { } c ? new BlobServiceClient(c, options) : new BlobServiceClient(BlobServiceUri, Credential, options);

    public override string ToString() => UsesTokenCredential
        ? $"{TableServiceUri!.Host.Split('.')[0]} ({(ClientId is null ? CredentialKind ?? "DefaultAzureCredential" : "managed identity " + ClientId)})"
        : ConnectionString == DevelopmentStorage ? "development storage" : AccountOf(ConnectionString!) + " (connection string)";

    private static string AccountOf(string connectionString) =>
        connectionString.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals("AccountName", StringComparison.OrdinalIgnoreCase))?[1] ?? "storage account";
}
