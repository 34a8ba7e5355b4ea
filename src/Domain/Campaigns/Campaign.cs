using Campaigns.Domain.Dialer;
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
    /// The Campaign Scheduler API's dialer settings, for a campaign made through <c>/api/v</c>; null for one made
    /// through <c>/v1</c>. Such a campaign is <see cref="IsOpen"/>: its prospects arrive through lists at any time.
    /// </summary>
    public DialerSettings? Dialer { get; init; }

    /// <summary>The campaign's slug, unique within its account (<c>/api/v/campaign/{slug}/</c>); null for /v1 campaigns.</summary>
    public string? Slug { get; init; }

    /// <summary>
    /// Open to new prospects (a list-fed campaign): it never completes by itself, since an upload may bring new
    /// prospects at any time; "all resolved" is then a moment, reported by the status endpoint as <c>Completed</c>.
    /// </summary>
    public bool IsOpen => Dialer is not null;

    /// <summary>The language of a list-fed campaign: its locale's (USCA: US English).</summary>
    public static readonly LanguageTag OpenCampaignLanguage =
        LanguageTag.TryParse("en-US", out var tag, out var error) ? tag : throw new InvalidOperationException(error);

    /// <summary>A campaign of the Campaign Scheduler API: dialing as soon as it is active and not paused.</summary>
    public static Campaign CreateOpen(string id, string slug, DialerSettings settings, Instant now) =>
        new Campaign(id, settings.Name, settings.AgentId ?? "", OpenCampaignLanguage, null, settings.MaxNumberCalls,
                settings.MinTimeBetweenCallsMinutes, 0, CampaignStatus.Scheduled, now, now, CampaignCounters.Zero)
            { Dialer = settings, Slug = slug }
            .WithDialer(settings, now);

    /// <summary>
    /// New dialer settings: the attempts and retry interval follow <c>max_number_calls</c> and
    /// <c>min_time_between_calls</c>, and the status follows <c>active</c> and <c>paused</c> through the transition
    /// table (dialing = active and not paused). A stopped or completed campaign keeps its status.
    /// </summary>
    public Campaign WithDialer(DialerSettings settings, Instant now)
    {
        var updated = this with
        {
            Dialer = settings, Name = settings.Name, ScriptId = settings.AgentId ?? "", MaxAttempts = settings.MaxNumberCalls,
            RetryIntervalMinutes = settings.MinTimeBetweenCallsMinutes, UpdatedAt = now,
        };
        var dialing = settings.Active && !settings.Paused;
        return (Status, dialing) switch
        {
            (CampaignStatus.Scheduled, true) => updated.Apply(CampaignTrigger.Start, now),
            (CampaignStatus.Paused, true) => updated.Apply(CampaignTrigger.Resume, now),
            (CampaignStatus.Running, false) => updated.Apply(CampaignTrigger.Pause, now),
            _ => updated,
        };
    }

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
