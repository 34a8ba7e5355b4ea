namespace Campaigns.Functions.Engine;

/// <summary>Settings of the campaign engine (section <c>Engine</c>, e.g. <c>Engine__MaxCallsInProgress</c>).</summary>
internal sealed class EngineOptions
{
    /// <summary>Calls in progress per campaign, never exceeded. Default 10.</summary>
    public int MaxCallsInProgress { get; set; } = 10;

    /// <summary>
    /// How long an attempt may go without a result before it is recorded as <c>failed</c> (no result) and retried
    /// under the campaign's rules. Default 15 minutes: longer than any call a voice agent is expected to hold.
    /// </summary>
    public int AttemptTimeoutSeconds { get; set; } = 900;

    /// <summary>
    /// How long one look keeps dialing while lines free up (short calls) before it answers its orchestration and the
    /// next look goes on. Default 30 s.
    /// </summary>
    public int MaxLookSeconds { get; set; } = 30;

    /// <summary>
    /// How long after a contact falls due (a retry, a legal window opening) the look for it comes, so that contacts
    /// falling due close together share one look, that is one orchestration generation (about twenty storage requests
    /// of the task hub), instead of one each. Default 1,000 ms: results arriving over a second make their retries fall
    /// due over a second. Never earlier than due: a retry interval is a minimum. 0 looks at the due instant.
    /// </summary>
    public int GatherMilliseconds { get; set; } = 1000;

    /// <summary>Longest sleep between two looks at a running campaign, whatever else happens. Default 60 s.</summary>
    public int HeartbeatSeconds { get; set; } = 60;

    /// <summary>
    /// Longest durable timer between two looks, whatever the campaign waits for. Default one day: a campaign scheduled
    /// for next month looks once a day (a few storage requests) and re-reads its schedule each time.
    /// </summary>
    public int MaxSleepSeconds { get; set; } = 24 * 3600;

    /// <summary>Name prefix of the engine's queues (<c>campaign-wakes</c>, <c>call-outcomes</c>, <c>campaign-purge</c>).</summary>
    public string QueuePrefix { get; set; } = "";

    /// <summary>Most slots one agent pool may have (its row keeps every slot in one property of at most 64 KiB).</summary>
    public const int MaxAgentSlots = 200;

    /// <summary>
    /// Concurrent AI-agent slots of an agent pool (<c>Engine__AgentSlots</c>), for list-fed campaigns: how many calls one
    /// <c>agent_id</c> takes at once in an account (a campaign without an agent has a pool of its own). Default 10.
    /// </summary>
    public int AgentSlots { get; set; } = 10;

    /// <summary>Slots of a named agent's pool, overriding <see cref="AgentSlots"/> (<c>Engine__AgentSlotsByAgent__{agent_id}</c>).</summary>
    public Dictionary<string, int> AgentSlotsByAgent { get; set; } = new(StringComparer.Ordinal);

    public TimeSpan AttemptTimeout => TimeSpan.FromSeconds(AttemptTimeoutSeconds);
}
