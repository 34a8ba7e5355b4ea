using Campaigns.Domain.Languages;
using Campaigns.Domain.Scheduling;
using NodaTime;

namespace Campaigns.Domain.Campaigns;

/// <summary>What a client asked for when creating a campaign, validated (see <see cref="CampaignRules"/>).</summary>
public sealed record CampaignSpec(
    string Name,
    string ScriptId,
    LanguageTag Language,
    CampaignSchedule? Schedule,
    int MaxAttempts,
    int RetryIntervalMinutes,
    IReadOnlyList<Contacts.ContactSpec> Contacts);

/// <summary>Progress counters of a campaign, kept exact by the engine.</summary>
/// <param name="CallsMade">Every call attempt started, retries included.</param>
/// <param name="CallsConnected">Every call the contact answered.</param>
/// <param name="DispositionSummary">One final disposition per resolved contact, by label.</param>
public sealed record CampaignCounters(int CallsMade, int CallsConnected, IReadOnlyDictionary<string, int> DispositionSummary)
{
    public static readonly CampaignCounters Zero = new(0, 0, new Dictionary<string, int>());
}

/// <summary>A campaign: one list of contacts, one script, one language and one schedule, run as a unit.</summary>
public sealed record Campaign(
    string Id,
    string Name,
    string ScriptId,
    LanguageTag Language,
    CampaignSchedule? Schedule,
    int MaxAttempts,
    int RetryIntervalMinutes,
    int TotalContacts,
    CampaignStatus Status,
    Instant CreatedAt,
    Instant UpdatedAt,
    CampaignCounters Counters)
{
    public static Campaign Create(string id, CampaignSpec spec, Instant now) => new(
        id, spec.Name, spec.ScriptId, spec.Language, spec.Schedule, spec.MaxAttempts, spec.RetryIntervalMinutes,
        spec.Contacts.Count, CampaignStatus.Scheduled, now, now, CampaignCounters.Zero);

    /// <summary>
    /// Applies an operator action or engine event through <see cref="CampaignTransitions"/>. One guard sits on top of
    /// the table: <c>start</c> is for campaigns without a schedule; a scheduled one starts by itself at its start_time.
    /// </summary>
    /// <exception cref="IllegalTransitionException">The action is not allowed now.</exception>
    public Campaign Apply(CampaignTrigger trigger, Instant now)
    {
        if (trigger == CampaignTrigger.Start && Schedule is not null && Status == CampaignStatus.Scheduled)
        {
            throw new IllegalTransitionException(Status, trigger,
                $"Cannot start a campaign that has a schedule: it starts by itself at its start_time " +
                $"({CampaignSchedule.Format(Schedule.Start)} {Schedule.Zone.Id}). Use stop to cancel it.");
        }
        var next = CampaignTransitions.Apply(Status, trigger);
        return this with { Status = next, UpdatedAt = now };
    }
}
