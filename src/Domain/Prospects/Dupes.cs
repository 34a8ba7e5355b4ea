using NodaTime;

namespace Campaigns.Domain.Prospects;

/// <summary>
/// The dupe rule of the Campaign Scheduler API: a number already in the campaign is always a dupe (a campaign never
/// calls one number for two prospects); otherwise, unless <c>dupe_days</c> is -1, a number imported or dialed in the
/// account within the last <c>dupe_days</c> days is a dupe. Days are 24-hour periods on the time line.
/// </summary>
public static class Dupes
{
    public const int Disabled = -1;

    /// <param name="inCampaign">The number is already a contact of this campaign.</param>
    /// <param name="lastImportedAt">The account's last import of the number, if any.</param>
    /// <param name="lastDialedAt">The last call to the number that the account knows of, if any.</param>
    public static bool IsDupe(bool inCampaign, int dupeDays, Instant? lastImportedAt, Instant? lastDialedAt, Instant now)
    {
        if (inCampaign)
            return true;
        if (dupeDays == Disabled)
            return false;
        var since = now - Duration.FromDays(dupeDays);
        return lastImportedAt > since || lastDialedAt > since;
    }
}
