using Campaigns.Domain.Campaigns;

namespace Campaigns.Domain.Contacts;

/// <summary>What <c>DELETE /v1/campaigns/{id}/contacts</c> does to one phone number.</summary>
public enum RemovalOutcome
{
    /// <summary>The contact was pending and is now removed; it is never dialed.</summary>
    Removed,
    /// <summary>No contact of the campaign has this number.</summary>
    NotFound,
    /// <summary>The contact has been called already: it stays, its call data kept for reporting.</summary>
    AlreadyCalled,
}

/// <summary>One entry of a removal request, read.</summary>
/// <param name="Phone">The number to look up, when it is a valid number.</param>
/// <param name="Error">Why the entry is refused (a 400), when it is malformed.</param>
public readonly record struct RemovalEntry(PhoneNumber? Phone, string? Error)
{
    /// <summary>A well-formed E.164 number that no campaign can hold (not valid for its country): counted as not found.</summary>
    public bool CannotBeInAnyCampaign => Phone is null && Error is null;
}

/// <summary>The removal rules of the Campaigns API.</summary>
public static class ContactRemoval
{
    /// <summary>
    /// Contacts can be removed from a campaign that is scheduled, running or paused. A completed or stopped
    /// campaign dials nobody any more, so a removal there is refused (409) rather than pretended.
    /// </summary>
    public static bool IsAllowed(CampaignStatus status) => !CampaignTransitions.IsFinal(status);

    /// <summary>
    /// Reads one entry of a removal request. A malformed entry (not E.164) is an error. A well-formed E.164 number that
    /// is not valid for its country (or has no country) was refused when contacts were created, so no campaign holds it:
    /// it counts as <see cref="RemovalOutcome.NotFound"/> instead of failing the request, so that a suppression list from
    /// another system does not fail on one odd number.
    /// </summary>
    public static RemovalEntry Read(string? text)
    {
        if (PhoneNumber.TryParse(text, out var phone, out var error))
            return new RemovalEntry(phone, null);
        return PhoneNumber.IsE164Shaped(text) ? new RemovalEntry(null, null) : new RemovalEntry(null, error);
    }

    /// <summary>
    /// Decides one number. A contact removed earlier counts as <see cref="RemovalOutcome.Removed"/> again,
    /// so a retried request gets the same answer as the first.
    /// </summary>
    public static RemovalOutcome Decide(ContactState? contact) => contact switch
    {
        null => RemovalOutcome.NotFound,
        { Status: ContactStatus.Removed } => RemovalOutcome.Removed,
        { HasBeenCalled: true } => RemovalOutcome.AlreadyCalled,
        _ => RemovalOutcome.Removed,
    };
}
