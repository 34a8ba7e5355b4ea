using Campaigns.Domain.Contacts;
using Campaigns.Domain.Dialer;

namespace Campaigns.Domain.Prospects;

/// <summary>
/// Turns a phone number as people type it into a dialable E.164 number of the campaign's locale.
/// For USCA: spaces, dots, dashes and parentheses are removed; then exactly <c>+1XXXXXXXXXX</c>,
/// <c>1XXXXXXXXXX</c> or <c>XXXXXXXXXX</c> (ten digits) is accepted and becomes <c>+1XXXXXXXXXX</c>, which must then
/// pass <see cref="PhoneNumber.TryParse"/> (libphonenumber validity) and belong to one of the locale's regions
/// (US, Canada, or a US territory; not another +1 country such as Jamaica).
/// </summary>
/// <remarks>
/// Anything else (letters, extensions, "+44...", nine or twelve digits) is refused with a reason instead of being
/// repaired: a number that had to be guessed is a number that may ring the wrong person.
/// </remarks>
public static class ProspectPhone
{
    public static bool TryNormalise(string? raw, DialerLocale locale, out PhoneNumber number, out string error)
    {
        number = default;
        if (locale != DialerLocale.Usca)
            throw new ArgumentException($"Locale {locale.Name} has no phone rules; only USCA is supported.", nameof(locale));
        if (!TryShape(raw, locale, out var e164, out error))
            return false;

        if (!PhoneNumber.TryParse(e164, out var parsed, out var parseError))
        {
            error = $"'{raw}' ({e164}) {parseError}";
            return false;
        }
        if (!locale.PhoneRegions.Contains(parsed.RegionCode))
        {
            error = $"'{raw}' ({e164}) belongs to {parsed.RegionCode}, not to the United States or Canada";
            return false;
        }
        number = parsed;
        error = "";
        return true;
    }

    /// <summary>
    /// The E.164 text a USCA number would normalise to, by its shape alone (no validity check), or null when its
    /// shape is already wrong. For every number <see cref="TryNormalise"/> accepts, this is its E.164, so an upload
    /// can route rows by number cheaply and leave the full check to the batch that imports them.
    /// </summary>
    public static string? RoutingKey(string? raw) => TryShape(raw, DialerLocale.Usca, out var e164, out _) ? e164 : null;

    private static bool TryShape(string? raw, DialerLocale locale, out string e164, out string error)
    {
        e164 = "";
        if (string.IsNullOrWhiteSpace(raw))
        {
            error = "is required";
            return false;
        }
        var stripped = new string(raw.Where(c => !(char.IsWhiteSpace(c) || c is '.' or '-' or '(' or ')')).ToArray());
        var digits = stripped.StartsWith('+') ? stripped[1..] : stripped;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            error = $"'{raw}' is not a phone number: only digits, an optional leading +, spaces, dots, dashes and parentheses are allowed";
            return false;
        }
        if (stripped.StartsWith('+'))
        {
            if (!digits.StartsWith('1'))
            {
                error = $"'{raw}' is not a US or Canadian number; locale {locale.Name} dials only +1 numbers";
                return false;
            }
            if (digits.Length != 11)
            {
                error = $"'{raw}' must have 10 digits after +1";
                return false;
            }
            e164 = "+" + digits;
        }
        else if (digits.Length == 11 && digits[0] == '1')
            e164 = "+" + digits;
        else if (digits.Length == 10)
            e164 = "+1" + digits;
        else
        {
            error = $"'{raw}' must be a 10-digit US or Canadian number, optionally preceded by 1 or +1 (got {digits.Length} digits)";
            return false;
        }
        error = "";
        return true;
    }
}
