using Campaigns.Domain.Contacts;
using Campaigns.Domain.Dialer;
using PhoneNumbers;
using PhoneNumber = Campaigns.Domain.Contacts.PhoneNumber;

namespace Campaigns.Domain.Prospects;

/// <summary>
/// The US state (or Canadian province, or US territory) a +1 number is registered in, from libphonenumber's offline
/// geocoder in English. Used when a prospect row gives no <c>state</c>. It is the number's area code's place, not the
/// person's: a mobile keeps its area code when its owner moves, which is why a state the row gives wins.
/// </summary>
/// <remarks>
/// The geocoder describes US numbers as "City, ST" ("San Francisco, CA") or a state name ("New Jersey"), Canadian
/// numbers by province name ("Ontario"), territories by name ("Puerto Rico", "Washington D.C."). Descriptions naming
/// several provinces ("Nova Scotia/Prince Edward Island"), none (toll-free 800 numbers) or a country only give null:
/// unknown, never a guess.
/// </remarks>
public static class PhoneState
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly PhoneNumberOfflineGeocoder Geocoder = PhoneNumberOfflineGeocoder.GetInstance();

    /// <summary>The two-letter code of <paramref name="phone"/>'s place, or null when unknown or not a +1 number.</summary>
    public static string? Of(PhoneNumber phone)
    {
        if (!phone.E164.StartsWith("+1", StringComparison.Ordinal))
            return null;
        var description = Geocoder.GetDescriptionForNumber(Util.Parse(phone.E164, null), Locale.English);
        return FromDescription(description);
    }

    /// <summary>Maps a geocoder description to a code: a trailing ", ST" code first, else the whole text as a name.</summary>
    public static string? FromDescription(string? description)
    {
        if (string.IsNullOrWhiteSpace(description) || description.Contains('/'))
            return null;
        var text = description.Trim();
        var comma = text.LastIndexOf(',');
        if (comma >= 0)
        {
            var tail = text[(comma + 1)..].Trim();
            return tail.Length == 2 && StateCodes.IsKnown(tail) ? tail.ToUpperInvariant() : StateCodes.FromName(tail);
        }
        return StateCodes.FromName(text);
    }
}
