using System.Collections.Frozen;

namespace Campaigns.Domain.Dialer;

/// <summary>
/// A <c>locale_name</c>: the region a campaign dials, which fixes the country calling code numbers are normalised
/// to and the libphonenumber regions a number may belong to. Only <see cref="Usca"/> exists today; the seed names no
/// other, and an unknown locale is refused rather than guessed.
/// </summary>
/// <param name="Name">The wire name, upper-case (<c>USCA</c>).</param>
/// <param name="Description">What the name means, for error messages.</param>
/// <param name="CountryCallingCode">The calling code every number of the locale has (1 for USCA).</param>
/// <param name="PhoneRegions">The libphonenumber region codes a number may belong to.</param>
public sealed record DialerLocale(string Name, string Description, int CountryCallingCode, IReadOnlySet<string> PhoneRegions)
{
    /// <summary>
    /// The United States and Canada, calling code +1. The US territories that share +1 (Puerto Rico, US Virgin
    /// Islands, Guam, American Samoa, Northern Mariana Islands) are included because they are US jurisdictions;
    /// the other +1 countries (Jamaica, Bahamas, Dominican Republic, ...) are not: they are foreign countries with
    /// their own laws, and a number there is refused under USCA.
    /// </summary>
    public static readonly DialerLocale Usca = new(
        "USCA", "United States and Canada, +1", 1,
        new[] { "US", "CA", "PR", "VI", "GU", "AS", "MP" }.ToFrozenSet(StringComparer.Ordinal));

    /// <summary>Every supported locale, in the order error messages list them.</summary>
    public static IReadOnlyList<DialerLocale> Supported { get; } = [Usca];

    /// <summary>The locale named <paramref name="name"/> (letter case ignored), else null.</summary>
    public static DialerLocale? Find(string? name) =>
        name is null ? null : Supported.FirstOrDefault(locale => string.Equals(locale.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The supported names with their meaning, for messages: <c>USCA (United States and Canada, +1)</c>.</summary>
    public static string SupportedText => string.Join(", ", Supported.Select(locale => $"{locale.Name} ({locale.Description})"));
}
