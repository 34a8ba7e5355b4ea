using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>How a connection authenticates.</summary>
internal enum AmqpAuth
{
    /// <summary>SASL ANONYMOUS (an <c>amqp://host</c> URL without user info).</summary>
    Anonymous,
    /// <summary>SASL PLAIN: user and password, or a Service Bus SAS rule name and key.</summary>
    Plain,
    /// <summary>SASL ANONYMOUS, then a CBS <c>put-token</c> with a SAS token on <c>$cbs</c> before each link.</summary>
    Cbs,
}

/// <summary>
/// Where the broker is and how to sign in, parsed from <c>ServiceBusConnection</c>. Two forms:
/// <list type="bullet">
/// <item>A Service Bus connection string, <c>Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=K;SharedAccessKey=S</c>
/// with optional <c>EntityPath=E</c>, <c>UseCbs=true</c> (CBS instead of SASL PLAIN) and <c>UseDevelopmentEmulator=true</c>
/// (plain AMQP, default port 5672, as the Service Bus emulator). Otherwise TLS on 5671, or the endpoint's own port.</item>
/// <item>An <c>amqp://user:pass@host:port</c> or <c>amqps://</c> URL: SASL PLAIN, or ANONYMOUS without user info.</item>
/// </list>
/// The secret (key or password) never appears in <see cref="ToString"/>, in exceptions or in logs.
/// </summary>
internal sealed class ServiceBusAddress
{
    private readonly string? _secret;

    private ServiceBusAddress(bool useTls, string host, int port, AmqpAuth auth, string? user, string? secret, string? entityPath)
    {
        UseTls = useTls;
        Host = host;
        Port = port;
        Auth = auth;
        User = user;
        _secret = secret;
        EntityPath = entityPath;
    }

    public bool UseTls { get; }
    public string Host { get; }
    public int Port { get; }
    public AmqpAuth Auth { get; }

    /// <summary>SASL PLAIN user, or the SAS rule name (not a secret).</summary>
    public string? User { get; }

    /// <summary>The connection string's <c>EntityPath</c>, if any.</summary>
    public string? EntityPath { get; }

    public static ServiceBusAddress Parse(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection = connection.Trim();
        if (connection.Length == 0)
            throw new FormatException("The Service Bus connection is empty.");
        if (connection.StartsWith("amqp://", StringComparison.OrdinalIgnoreCase) || connection.StartsWith("amqps://", StringComparison.OrdinalIgnoreCase))
            return ParseUrl(connection);
        if (connection.Contains('='))
            return ParseConnectionString(connection);
        throw new FormatException("The Service Bus connection is neither a connection string (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...) nor an amqp:// or amqps:// URL.");
    }

    private static ServiceBusAddress ParseUrl(string url)
    {
        // Never echo the URL in a message: it may carry a password.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException("The AMQP URL is malformed: expected amqp[s]://[user:password@]host[:port].");
        var tls = uri.Scheme.Equals("amqps", StringComparison.OrdinalIgnoreCase);
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 5671 : 5672) : uri.Port;
        if (uri.UserInfo.Length == 0)
            return new ServiceBusAddress(tls, uri.Host, port, AmqpAuth.Anonymous, null, null, null);
        var colon = uri.UserInfo.IndexOf(':');
        if (colon <= 0)
            throw new FormatException("The AMQP URL's user info must be user:password.");
        var user = Uri.UnescapeDataString(uri.UserInfo[..colon]);
        var password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        return new ServiceBusAddress(tls, uri.Host, port, AmqpAuth.Plain, user, password, null);
    }

    private static ServiceBusAddress ParseConnectionString(string text)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var number = 0;
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            number++;
            var equals = part.IndexOf('=');
            if (equals <= 0) // the part is not echoed: it could be a key pasted without its name
                throw new FormatException($"The Service Bus connection string's part {number} has no name: each part must be Name=value.");
            parts[part[..equals].Trim()] = part[(equals + 1)..].Trim(); // the value keeps its own '=' (base64 keys end with one)
        }

        if (!parts.TryGetValue("Endpoint", out var endpoint) || endpoint.Length == 0)
            throw new FormatException("The Service Bus connection string has no Endpoint (Endpoint=sb://<namespace>.servicebus.windows.net/).");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException($"The Service Bus Endpoint '{endpoint}' is not an absolute URI like sb://<namespace>.servicebus.windows.net/.");
        if (!uri.Scheme.Equals("sb", StringComparison.OrdinalIgnoreCase))
            throw new FormatException($"The Service Bus Endpoint must use the sb:// scheme, not '{uri.Scheme}://'.");
        if (!parts.TryGetValue("SharedAccessKeyName", out var keyName) || keyName.Length == 0)
            throw new FormatException("The Service Bus connection string has no SharedAccessKeyName (the SAS rule's name).");
        if (!parts.TryGetValue("SharedAccessKey", out var key) || key.Length == 0)
            throw new FormatException("The Service Bus connection string has no SharedAccessKey.");
        var useCbs = Flag(parts, "UseCbs");
        var emulator = Flag(parts, "UseDevelopmentEmulator");
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (emulator ? 5672 : 5671) : uri.Port;
        var entity = parts.TryGetValue("EntityPath", out var path) && path.Length > 0 ? path : null;
        return new ServiceBusAddress(!emulator, uri.Host, port, useCbs ? AmqpAuth.Cbs : AmqpAuth.Plain, keyName, key, entity);
    }

    private static bool Flag(Dictionary<string, string> parts, string name)
    {
        if (!parts.TryGetValue(name, out var text))
            return false;
        return bool.TryParse(text, out var value)
            ? value
            : throw new FormatException($"The Service Bus connection string's {name} must be true or false, not '{text}'.");
    }

    /// <summary>The AMQPNetLite address to connect to: with user and password for SASL PLAIN, without for the others.</summary>
    internal Amqp.Address ToAmqpAddress() => Auth == AmqpAuth.Plain
        ? new Amqp.Address(Host, Port, User, _secret, "/", UseTls ? "AMQPS" : "AMQP")
        : new Amqp.Address(Host, Port, null, null, "/", UseTls ? "AMQPS" : "AMQP");

    /// <summary>The CBS audience (token resource) of an entity on this namespace: <c>sb://host/entity</c>.</summary>
    public string AudienceOf(string entity) => $"sb://{Host}/{entity.TrimStart('/')}";

    /// <summary>A SAS token for <paramref name="entity"/>, valid until <paramref name="expiresAt"/>; only for <see cref="AmqpAuth.Cbs"/>.</summary>
    public string CreateSasToken(string entity, DateTimeOffset expiresAt)
    {
        if (Auth != AmqpAuth.Cbs)
            throw new InvalidOperationException("SAS tokens are only made for a connection with UseCbs=true.");
        return SasToken.Create(AudienceOf(entity), User!, _secret!, expiresAt);
    }

    public override string ToString()
    {
        var scheme = UseTls ? "amqps" : "amqp";
        var auth = Auth switch
        {
            AmqpAuth.Plain => $"SASL PLAIN as {User}",
            AmqpAuth.Cbs => $"CBS SAS tokens of {User}",
            _ => "SASL ANONYMOUS",
        };
        return $"{scheme}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)} ({auth})";
    }
}

/// <summary>Service Bus shared access signatures, as Microsoft documents them for SAS authentication.</summary>
internal static class SasToken
{
    /// <summary>
    /// <c>SharedAccessSignature sr={url-encoded resource}&amp;sig={url-encoded base64 HMAC-SHA256(key, url-encoded resource + "\n" + expiry)}&amp;se={expiry}&amp;skn={key name}</c>,
    /// expiry in Unix seconds; the key is used as its UTF-8 text (not base64-decoded).
    /// </summary>
    public static string Create(string resource, string keyName, string key, DateTimeOffset expiresAt)
    {
        var encodedResource = WebUtility.UrlEncode(resource);
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry)));
        return $"SharedAccessSignature sr={encodedResource}&sig={WebUtility.UrlEncode(signature)}&se={expiry}&skn={keyName}";
    }
}
