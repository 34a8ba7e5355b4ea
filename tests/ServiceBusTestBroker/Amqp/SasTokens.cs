using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Amqp;
using Campaigns.Testing.ServiceBus.Entities;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>
/// Checks a Service Bus SAS token as the service does, so that a wrong key or an expired token fails here as it
/// would in Azure: <c>SharedAccessSignature sr={url-encoded resource}&amp;sig={signature}&amp;se={unix expiry}&amp;skn={key name}</c>,
/// where the signature is base64(HMAC-SHA256(UTF-8 key, sr as sent + "\n" + se)).
/// </summary>
internal sealed class SasTokenValidator(string keyName, string key, TimeProvider time)
{
    private const string Prefix = "SharedAccessSignature ";

    /// <summary>Null if <paramref name="token"/> grants access to <paramref name="audience"/>, else why not.</summary>
    public string? Validate(string? token, string audience, out DateTimeOffset expiresAt)
    {
        expiresAt = default;
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal))
            return "The token is not a shared access signature.";

        var fields = token[Prefix.Length..].Split('&')
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.OrdinalIgnoreCase);
        if (!fields.TryGetValue("sr", out var resource) || !fields.TryGetValue("sig", out var signature)
            || !fields.TryGetValue("se", out var expiry) || !fields.TryGetValue("skn", out var name))
            return "The token lacks one of sr, sig, se, skn.";
        if (!string.Equals(Uri.UnescapeDataString(name), keyName, StringComparison.Ordinal))
            return $"Unknown key name '{Uri.UnescapeDataString(name)}'.";
        if (!long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var expirySeconds))
            return "The token's expiry is not a number.";

        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(key));
        var expected = hmac.ComputeHash(Encoding.UTF8.GetBytes(resource + "\n" + expiry));
        byte[] given;
        try
        {
            given = Convert.FromBase64String(Uri.UnescapeDataString(signature));
        }
        catch (FormatException)
        {
            return "The signature is not base64.";
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, given))
            return "The signature does not match the key.";

        expiresAt = DateTimeOffset.FromUnixTimeSeconds(expirySeconds);
        if (expiresAt <= time.GetUtcNow())
            return $"The token expired at {expiresAt:O}.";
        if (!EntityAddress.Covers(PathOf(Uri.UnescapeDataString(resource)), PathOf(audience)))
            return $"The token is for '{Uri.UnescapeDataString(resource)}', not '{audience}'.";
        return null;
    }

    /// <summary>The entity path an audience or resource names (<c>sb://host/results</c> → <c>results</c>).</summary>
    public static string PathOf(string audience) => EntityAddress.Parse(audience)?.PathWithManagement() ?? "";
}

/// <summary>
/// The tokens each connection has put on <c>$cbs</c>: which paths it may attach to, until when. Service Bus checks a
/// link's address against the connection's tokens at attach; so does this broker.
/// </summary>
internal sealed class ConnectionAuthorizations(TimeProvider time)
{
    private readonly ConditionalWeakTable<Connection, List<(string Path, DateTimeOffset Until)>> _grants = new();

    public void Grant(Connection connection, string audience, DateTimeOffset until)
    {
        var grants = _grants.GetOrCreateValue(connection);
        lock (grants)
            grants.Add((SasTokenValidator.PathOf(audience), until));
    }

    public bool Allows(Connection connection, string path)
    {
        if (!_grants.TryGetValue(connection, out var grants))
            return false;

        var now = time.GetUtcNow();
        lock (grants)
            return grants.Any(g => g.Until > now && EntityAddress.Covers(g.Path, path));
    }
}
