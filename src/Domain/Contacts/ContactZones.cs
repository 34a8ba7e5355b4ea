using NodaTime;
using PhoneNumbers;

namespace Campaigns.Domain.Contacts;

/// <summary>
/// The time zone(s) a contact may be in: its own <c>timezone</c> field when given, else every zone libphonenumber
/// maps its number to (some US area codes span two zones, some countries many). An empty answer means unknown:
/// such a contact is never dialed.
/// </summary>
public static class ContactZones
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly PhoneNumberToTimeZonesMapper Mapper = PhoneNumberToTimeZonesMapper.GetInstance();

    public static IReadOnlyList<DateTimeZone> For(PhoneNumber phone, string? timezone)
    {
        if (timezone is not null)
            return DateTimeZoneProviders.Tzdb.GetZoneOrNull(timezone) is { } given ? [given] : [];
        var parsed = Util.Parse(phone.E164, null);
        var zones = new List<DateTimeZone>();
        foreach (var id in Mapper.GetTimeZonesForNumber(parsed))
        {
            if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(id) is { } zone && !zones.Contains(zone))
                zones.Add(zone);
        }
        return zones;
    }
}
