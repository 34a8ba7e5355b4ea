using System.Security.Cryptography;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>
/// Campaign ids: <c>cmp_</c>, 8 base-62 characters of (max - creation time in ms), 6 random base-62 characters.
/// Ids therefore sort newest first, which lets <c>GET /v1/campaigns</c> read one account's partition in order
/// and turn <c>from</c>/<c>to</c> into a RowKey range instead of a scan.
/// </summary>
internal static class CampaignIds
{
    public const string Prefix = "cmp_";
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; // ordinal order
    private const int TimeChars = 8;
    private const int RandomChars = 6;
    private static readonly long MaxMillis = (long)Math.Pow(62, TimeChars) - 1;

    public static int Length => Prefix.Length + TimeChars + RandomChars;

    public static string New(Instant now)
    {
        Span<char> chars = stackalloc char[TimeChars + RandomChars];
        WriteBase62(MaxMillis - now.ToUnixTimeMilliseconds(), chars[..TimeChars]);
        for (var i = TimeChars; i < chars.Length; i++)
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return Prefix + new string(chars);
    }

    /// <summary>The smallest RowKey of campaigns created at or before <paramref name="instant"/>.</summary>
    public static string LowerBoundCreatedAtOrBefore(Instant instant) => Prefix + TimePart(instant.ToUnixTimeMilliseconds());

    /// <summary>A RowKey greater than that of every campaign created at or after <paramref name="instant"/>.</summary>
    public static string UpperBoundCreatedAtOrAfter(Instant instant) => Prefix + TimePart(instant.ToUnixTimeMilliseconds() - 1);

    /// <summary>True for text shaped like an id this service issues; anything else is a 404 without a storage call.</summary>
    public static bool IsWellFormed(string? id) =>
        id is not null && id.Length == Length && id.StartsWith(Prefix, StringComparison.Ordinal) &&
        id.AsSpan(Prefix.Length).IndexOfAnyExcept(Alphabet) < 0;

    private static string TimePart(long unixMillis)
    {
        Span<char> chars = stackalloc char[TimeChars];
        WriteBase62(Math.Clamp(MaxMillis - unixMillis, 0, MaxMillis), chars);
        return new string(chars);
    }

    private static void WriteBase62(long value, Span<char> into)
    {
        for (var i = into.Length - 1; i >= 0; i--)
        {
            into[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
    }
}
