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

/// <summary>The removal rules of the Campaigns API.</summary>
public static class ContactRemoval
{
    /// <summary>
    /// Contacts can be removed from a campaign that is scheduled, running or paused. A completed or stopped
    /// campaign dials nobody any more, so a removal there is refused (409) rather than pretended.
    /// </summary>
    public static bool IsAllowed(CampaignStatus status) => !CampaignTransitions.IsFinal(status);

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
