using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Campaigns.Domain.Dialer;

/// <summary>
/// The two-letter codes of the places a USCA (+1, United States and Canada) campaign may call: the 50 US states,
/// the District of Columbia, the five inhabited US territories that share +1 (PR, VI, GU, AS, MP) and the 13
/// Canadian provinces and territories. US and Canadian codes do not collide (Canada's own code, CA, is not a
/// province; <c>CA</c> here is California).
/// </summary>
/// <remarks>
/// Codes are USPS / Canada Post codes. Full names are accepted where a person or a geocoder writes a name instead
/// of a code; name matching ignores case, accents, dots and repeated spaces ("Québec", "Washington D.C.").
/// </remarks>
public static class StateCodes
{
    private static readonly (string Code, string Name, string[] Aliases)[] Table =
    [
        ("AL", "Alabama", []), ("AK", "Alaska", []), ("AZ", "Arizona", []), ("AR", "Arkansas", []),
        ("CA", "California", []), ("CO", "Colorado", []), ("CT", "Connecticut", []), ("DE", "Delaware", []),
        ("FL", "Florida", []), ("GA", "Georgia", []), ("HI", "Hawaii", ["Hawai'i"]), ("ID", "Idaho", []),
        ("IL", "Illinois", []), ("IN", "Indiana", []), ("IA", "Iowa", []), ("KS", "Kansas", []),
        ("KY", "Kentucky", []), ("LA", "Louisiana", []), ("ME", "Maine", []), ("MD", "Maryland", []),
        ("MA", "Massachusetts", []), ("MI", "Michigan", []), ("MN", "Minnesota", []), ("MS", "Mississippi", []),
        ("MO", "Missouri", []), ("MT", "Montana", []), ("NE", "Nebraska", []), ("NV", "Nevada", []),
        ("NH", "New Hampshire", []), ("NJ", "New Jersey", []), ("NM", "New Mexico", []), ("NY", "New York", []),
        ("NC", "North Carolina", []), ("ND", "North Dakota", []), ("OH", "Ohio", []), ("OK", "Oklahoma", []),
        ("OR", "Oregon", []), ("PA", "Pennsylvania", []), ("RI", "Rhode Island", []), ("SC", "South Carolina", []),
        ("SD", "South Dakota", []), ("TN", "Tennessee", []), ("TX", "Texas", []), ("UT", "Utah", []),
        ("VT", "Vermont", []), ("VA", "Virginia", []), ("WA", "Washington", ["Washington State"]),
        ("WV", "West Virginia", []), ("WI", "Wisconsin", []), ("WY", "Wyoming", []),
        ("DC", "District of Columbia", ["Washington D.C.", "Washington DC"]),
        ("PR", "Puerto Rico", []), ("VI", "U.S. Virgin Islands", ["US Virgin Islands", "United States Virgin Islands", "Virgin Islands"]),
        ("GU", "Guam", []), ("AS", "American Samoa", []), ("MP", "Northern Mariana Islands", []),
        ("AB", "Alberta", []), ("BC", "British Columbia", []), ("MB", "Manitoba", []), ("NB", "New Brunswick", []),
        ("NL", "Newfoundland and Labrador", ["Newfoundland", "Newfoundland & Labrador"]), ("NS", "Nova Scotia", []),
        ("NT", "Northwest Territories", []), ("NU", "Nunavut", []), ("ON", "Ontario", []),
        ("PE", "Prince Edward Island", []), ("QC", "Quebec", ["Québec"]), ("SK", "Saskatchewan", []),
        ("YT", "Yukon", ["Yukon Territory"]),
    ];

    private static readonly FrozenDictionary<string, string> NameByCode =
        Table.ToFrozenDictionary(row => row.Code, row => row.Name, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> CodeByName = BuildNameIndex();

    /// <summary>The Canadian province and territory codes (the rest are US).</summary>
    public static readonly IReadOnlySet<string> Canadian =
        new[] { "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Every known code, upper-case, in table order (US states, DC, territories, Canada).</summary>
    public static IReadOnlyList<string> All { get; } = Table.Select(row => row.Code).ToArray();

    /// <summary>True for a known two-letter code in any letter case (<c>ny</c>, <c>NY</c>).</summary>
    public static bool IsKnown(string? code) =>
        code is { Length: 2 } && NameByCode.ContainsKey(code.ToUpperInvariant());

    /// <summary>The name of a known code (<c>NY</c> gives <c>New York</c>), else null.</summary>
    public static string? NameOf(string code) => NameByCode.GetValueOrDefault(code.ToUpperInvariant());

    /// <summary>
    /// A two-letter code (any case) or a full name to its upper-case code. Leading and trailing spaces are ignored.
    /// Returns null for anything else, never a guess: the state decides which legal rules apply to a call.
    /// </summary>
    public static string? FromCodeOrName(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var trimmed = text.Trim();
        if (trimmed.Length == 2)
            return IsKnown(trimmed) ? trimmed.ToUpperInvariant() : null;
        return CodeByName.GetValueOrDefault(NameKey(trimmed));
    }

    /// <summary>A full name (as a geocoder writes it) to its code, else null. Two-letter input is not a name.</summary>
    public static string? FromName(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : CodeByName.GetValueOrDefault(NameKey(name));

    /// <summary>Every name and alias by its <see cref="NameKey"/>; spellings that fold to one key must name one code.</summary>
    private static FrozenDictionary<string, string> BuildNameIndex()
    {
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (code, name, aliases) in Table)
        {
            foreach (var spelling in aliases.Append(name))
            {
                var key = NameKey(spelling);
                if (index.TryGetValue(key, out var other) && other != code)
                    throw new InvalidOperationException($"'{spelling}' names both {other} and {code}.");
                index[key] = code;
            }
        }
        return index.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Lower-case, accents folded, dots and apostrophes dropped, whitespace runs collapsed to one space.</summary>
    private static string NameKey(string name)
    {
        var builder = new StringBuilder(name.Length);
        var pendingSpace = false;
        foreach (var c in name.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark || c is '.' or '\'' or '’')
                continue;
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }
}
