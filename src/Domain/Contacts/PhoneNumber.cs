using System.Text.RegularExpressions;
using PhoneNumbers;

namespace Campaigns.Domain.Contacts;

/// <summary>
/// A dialable phone number in E.164 form (<c>+919876543210</c>): a plus, a country code and at most
/// 15 digits in all, valid for its country per libphonenumber's metadata. Two numbers are equal when
/// their E.164 text is equal.
/// </summary>
public readonly partial record struct PhoneNumber
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    private PhoneNumber(string e164, string regionCode)
    {
        E164 = e164;
        RegionCode = regionCode;
    }

    /// <summary>The number as E.164 text, e.g. <c>+14155551234</c>.</summary>
    public string E164 { get; }

    /// <summary>ISO 3166 region the number belongs to (<c>US</c>, <c>IN</c>), from libphonenumber.</summary>
    public string RegionCode { get; }

    public override string ToString() => E164;

    /// <summary>
    /// Accepts only strict E.164 text (no spaces, dashes or national prefixes) that libphonenumber
    /// says is a valid number for its country. <paramref name="error"/> explains a refusal.
    /// </summary>
    public static bool TryParse(string? text, out PhoneNumber number, out string error)
    {
        number = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "is required";
            return false;
        }
        if (!E164Shape().IsMatch(text))
        {
            error = "must be in E.164 format: a plus sign, the country code and the number, digits only (e.g. +919876543210)";
            return false;
        }
        PhoneNumbers.PhoneNumber parsed;
        try
        {
            parsed = Util.Parse(text, null);
        }
        catch (NumberParseException)
        {
            error = "is not a phone number of any country";
            return false;
        }
        if (!Util.IsValidNumber(parsed))
        {
            error = "is not a valid phone number for its country";
            return false;
        }
        var e164 = Util.Format(parsed, PhoneNumberFormat.E164);
        number = new PhoneNumber(e164, Util.GetRegionCodeForNumber(parsed) ?? "ZZ");
        error = "";
        return true;
    }

    /// <summary>Whether the text has the shape of E.164 (a plus sign and 2 to 15 digits), valid for its country or not.</summary>
    public static bool IsE164Shaped(string? text) => text is not null && E164Shape().IsMatch(text);

    public static PhoneNumber Parse(string text) =>
        TryParse(text, out var number, out var error) ? number : throw new FormatException($"'{text}' {error}");

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}$", RegexOptions.CultureInvariant)]
    private static partial Regex E164Shape();
}
