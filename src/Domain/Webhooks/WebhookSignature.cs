using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NodaTime;

namespace Campaigns.Domain.Webhooks;

/// <summary>
/// The signature of a webhook request, sent as
/// <c>Campaigns-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, where the hex is the lowercase
/// HMAC-SHA256 of <c>"&lt;t&gt;.&lt;raw body&gt;"</c> keyed with the webhook's secret (its UTF-8 bytes, the
/// <c>whsec_</c> prefix included). A receiver recomputes it over the exact bytes it received and refuses a
/// timestamp older (or newer) than its tolerance, which makes a captured request useless to replay later.
/// <para>
/// The header may carry several <c>v1</c> entries (for example while a secret is rotated, one per secret);
/// <see cref="Verify"/> accepts the request if any of them matches. Entries of unknown schemes are ignored, so
/// a <c>v2</c> can be added later without breaking receivers.
/// </para>
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "Campaigns-Signature";

    /// <summary>The default tolerance of <see cref="Verify"/>: 5 minutes either side of the receiver's clock.</summary>
    public static readonly Duration DefaultTolerance = Duration.FromMinutes(5);

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="timestamp"/> (whole seconds).</summary>
    public static string Sign(string secret, Instant timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var seconds = timestamp.ToUnixTimeSeconds();
        return $"t={seconds.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(Mac(secret, seconds, body))}";
    }

    /// <summary>
    /// Whether <paramref name="headerValue"/> is a valid signature of <paramref name="body"/> with
    /// <paramref name="secret"/>, made no more than <paramref name="tolerance"/> (default 5 minutes) before or after
    /// <paramref name="now"/>. False for a missing or malformed header, a timestamp outside the tolerance, or no
    /// matching <c>v1</c> entry. Signatures are compared in constant time.
    /// </summary>
    public static bool Verify(string secret, string? headerValue, ReadOnlySpan<byte> body, Instant now, Duration? tolerance = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (string.IsNullOrEmpty(headerValue))
            return false;
        long? timestamp = null;
        var candidates = new List<byte[]>();
        foreach (var part in headerValue.Split(','))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
                return false;
            var key = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            if (key == "t")
            {
                if (timestamp is not null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                    return false; // two timestamps, or one that is not a whole number of seconds
                timestamp = seconds;
            }
            else if (key == "v1" && value.Length == 64 && TryParseHex(value, out var mac))
            {
                candidates.Add(mac);
            }
        }
        if (timestamp is not { } t || candidates.Count == 0)
            return false;
        if (t < Instant.MinValue.ToUnixTimeSeconds() || t > Instant.MaxValue.ToUnixTimeSeconds())
            return false;
        var age = now - Instant.FromUnixTimeSeconds(t);
        var allowed = tolerance ?? DefaultTolerance;
        if (age > allowed || -age > allowed)
            return false;

        var expected = Mac(secret, t, body);
        var matched = false;
        foreach (var candidate in candidates)
            matched |= CryptographicOperations.FixedTimeEquals(expected, candidate); // no early exit: every entry costs the same
        return matched;
    }

    private static byte[] Mac(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    private static bool TryParseHex(string text, out byte[] bytes)
    {
        bytes = [];
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
                return false;
        }
        bytes = Convert.FromHexString(text);
        return true;
    }
}
