using Campaigns.Domain.Dialer;
using NodaTime;

namespace Campaigns.Domain.Prospects;

/// <summary>
/// Checks and normalises one prospect row of an uploaded CSV (or the single-prospect form), given as its
/// header-to-value pairs in column order.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Known columns, matched ignoring letter case and surrounding spaces: <c>primary_phone</c> (required),
///   <c>first_name</c>, <c>last_name</c>, <c>state</c>, <c>timezone</c>. Every other column is a custom field,
///   kept as text under its header as written (trimmed), in column order.</item>
/// <item><c>primary_phone</c>: see <see cref="ProspectPhone"/>.</item>
/// <item><c>first_name</c> and <c>last_name</c> may be blank (the seed's table does not require them; a voice agent
///   can open without a name); they are trimmed, and at most <see cref="MaxNameLength"/> characters.</item>
/// <item><c>state</c>: blank means unknown; otherwise a two-letter code or a full name (<c>ny</c>, <c>New York</c>),
///   stored as the code. An unrecognised value makes the row invalid rather than unknown: the state decides which
///   legal rules (holidays, ignore_states) apply, and a typo silently treated as "unknown" would hide that.</item>
/// <item><c>timezone</c>: blank means derive from the number; otherwise an IANA id known to NodaTime's TZDB
///   (exact spelling, e.g. <c>America/New_York</c>), else the row is invalid.</item>
/// <item>A column with a blank header is dropped: it carries no name to keep its value under (a trailing comma in
///   the header line makes one). A null cell is treated as empty.</item>
/// </list>
/// </remarks>
public static class ProspectRow
{
    public const string PrimaryPhone = "primary_phone";
    public const string FirstName = "first_name";
    public const string LastName = "last_name";
    public const string State = "state";
    public const string TimeZone = "timezone";
    public const int MaxNameLength = 255;

    /// <summary>The columns that are not custom fields.</summary>
    public static IReadOnlyList<string> KnownColumns { get; } = [PrimaryPhone, FirstName, LastName, State, TimeZone];

    /// <summary>
    /// Checks one row. <paramref name="localeName"/> is the campaign's validated locale_name; an unsupported one is
    /// a programming error (<see cref="ArgumentException"/>), not a row error.
    /// </summary>
    public static ProspectRowResult Parse(IEnumerable<KeyValuePair<string, string?>> row, string localeName, int lineNumber)
    {
        var locale = DialerLocale.Find(localeName) ?? throw new ArgumentException($"Unsupported locale_name '{localeName}'.", nameof(localeName));
        string? phoneText = null, first = null, last = null, stateText = null, zoneText = null;
        var custom = new List<ProspectField>();
        foreach (var (rawHeader, rawValue) in row)
        {
            var header = rawHeader.Trim();
            var value = rawValue ?? "";
            switch (header.ToLowerInvariant())
            {
                case PrimaryPhone: phoneText = value; break;
                case FirstName: first = value; break;
                case LastName: last = value; break;
                case State: stateText = value; break;
                case TimeZone: zoneText = value; break;
                case "": break;
                default: custom.Add(new ProspectField(header, value)); break;
            }
        }

        if (!ProspectPhone.TryNormalise(phoneText, locale, out var phone, out var phoneError))
            return new ProspectRowResult.Invalid(lineNumber, PrimaryPhone, phoneError);
        if (Name(first) is { Error: { } firstError })
            return new ProspectRowResult.Invalid(lineNumber, FirstName, firstError);
        if (Name(last) is { Error: { } lastError })
            return new ProspectRowResult.Invalid(lineNumber, LastName, lastError);

        string? state = null;
        if (!string.IsNullOrWhiteSpace(stateText))
        {
            state = StateCodes.FromCodeOrName(stateText);
            if (state is null)
            {
                return new ProspectRowResult.Invalid(lineNumber, State,
                    $"'{stateText.Trim()}' is not a US state, DC, US territory or Canadian province; "
                    + "use a two-letter code (NY) or a full name (New York), or leave it empty");
            }
        }

        string? zone = null;
        if (!string.IsNullOrWhiteSpace(zoneText))
        {
            zone = zoneText.Trim();
            if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone) is null)
            {
                return new ProspectRowResult.Invalid(lineNumber, TimeZone,
                    $"'{zone}' is not an IANA time zone id (e.g. America/New_York); leave it empty to use the number's zone");
            }
        }

        return new ProspectRowResult.Valid(new Prospect(phone, Name(first).Value, Name(last).Value, state, zone, custom));
    }

    private static (string? Value, string? Error) Name(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return (null, null);
        var trimmed = text.Trim();
        var length = trimmed.EnumerateRunes().Count();
        return length <= MaxNameLength ? (trimmed, null) : (null, $"must be at most {MaxNameLength} characters (got {length})");
    }
}
