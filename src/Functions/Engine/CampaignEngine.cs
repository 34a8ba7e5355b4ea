using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Scheduling;
using Campaigns.Functions.Storage;
using Campaigns.Functions.VoiceAgents;
using NodaTime;

namespace Campaigns.Functions.Engine;

/// <summary>
/// The durable per-campaign scheduler. A campaign sleeps as a timer message; each wake-up ("tick") takes a lease on
/// the campaign row, reads only what is due (the due index and the scan position of never-tried contacts), decides
/// per contact with Domain's rules (calling window, pacing), claims the dials in ETag-guarded transactions, places the
/// calls, and arms the next timer with a fresh token. Idempotent: a stale or duplicate timer finds a token that is no
/// longer the campaign's and does nothing; a claim that loses a race (another instance, a removal) fails its ETag and
/// dials nobody.
/// </summary>
internal sealed partial class CampaignEngine(
    CampaignStore campaigns,
    ContactStore contacts,
    ShardStore shards,
    AccountStore accounts,
    EngineQueues queues,
    OutcomeRecorder outcomes,
    IVoiceAgent voice,
    EngineOptions options,
    TimeProvider time,
    ILogger<CampaignEngine> log)
{
    private const int ContactsPerTransaction = 20; // at most 4 rows each + the shard row: within the 100-row limit
    private const int ExtraCandidates = 20;
    private static readonly TimeSpan RetryBusy = TimeSpan.FromSeconds(1);

    /// <summary>When this instance last started a tick of each campaign: lets a nudge that tick answered be dropped without a read.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Instant> _lastTickStarted = new();

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>Handles one timer or nudge message (the <c>CampaignTimer</c> queue function).</summary>
    public async Task HandleAsync(TimerMessage message, CancellationToken cancellationToken)
    {
        if (message.Token is null && _lastTickStarted.TryGetValue(message.Campaign, out var started) && started > Instant.FromDateTimeOffset(message.Due))
            return; // a nudge that a tick on this instance has already answered
        var stored = await campaigns.GetAsync(message.Account, message.Campaign, cancellationToken);
        if (stored is null)
            return; // deleted: nothing to do
        var now = Now;
        var due = Instant.FromDateTimeOffset(message.Due);
        if (message.Token is not null)
        {
            if (message.Token != stored.Engine.TimerToken)
                return; // stale: made obsolete by a later timer, a pause, a resume, a stop or an edit
            if (due > now)
            {
                await queues.SendTimerAsync(message.Account, message.Campaign, message.Token, due, cancellationToken); // chained wait
                return;
            }
        }
        else if (stored.Engine.LastTickAt is { } last && last > due)
        {
            return; // a nudge that a later tick has already answered
        }
        await TickAsync(stored, cancellationToken);
    }

    /// <summary>
    /// Re-sends timers that should have fired but did not (a crash between writing a timer's token and sending its
    /// message), and nudges running campaigns that have no timer. Driven by the <c>CampaignSweep</c> timer function.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        var grace = Duration.FromSeconds(Math.Max(30, options.LeaseSeconds));
        var repaired = 0;
        await foreach (var stored in campaigns.ActiveAsync(cancellationToken))
        {
            var engine = stored.Engine;
            if (engine.LeaseUntil is { } lease && lease > now)
                continue;
            if (engine.TimerToken is not null && engine.TimerDueAt is { } dueAt && dueAt + grace < now)
            {
                await queues.SendTimerAsync(stored.AccountId, stored.Campaign.Id, engine.TimerToken, dueAt, cancellationToken);
                repaired++;
            }
            else if (engine.TimerToken is null && stored.Campaign.Status == CampaignStatus.Running
                     && (engine.LastTickAt is null || engine.LastTickAt + grace < now))
            {
                await queues.NudgeAsync(stored.AccountId, stored.Campaign.Id, cancellationToken);
                repaired++;
            }
        }
        return repaired;
    }

    private async Task TickAsync(StoredCampaign stored, CancellationToken cancellationToken)
    {
        var now = Now;
        if (stored.Engine.LeaseUntil is { } held && held > now)
        {
            await queues.NudgeAsync(stored.AccountId, stored.Campaign.Id, cancellationToken, RetryBusy); // someone else is ticking
            return;
        }
        StoredCampaign leased;
        _lastTickStarted[stored.Campaign.Id] = now;
        try
        {
            leased = await campaigns.ReplaceAsync(stored, stored.Campaign,
                stored.Engine with { LeaseUntil = now + Duration.FromSeconds(options.LeaseSeconds), LastTickAt = now }, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            await queues.NudgeAsync(stored.AccountId, stored.Campaign.Id, cancellationToken, RetryBusy);
            return;
        }

        Instant? next = Now + Duration.FromSeconds(options.HeartbeatSeconds); // if the work fails, look again soon
        try
        {
            (leased, next) = await WorkAsync(leased, cancellationToken);
        }
        finally
        {
            await ReleaseAsync(leased, next, CancellationToken.None);
        }
    }

    /// <summary>Drops the lease and arms the next timer with a new token, which makes every older timer stale.</summary>
    private async Task ReleaseAsync(StoredCampaign leased, Instant? next, CancellationToken cancellationToken)
    {
        var token = next is null ? null : Guid.NewGuid().ToString("N");
        var current = leased;
        for (var race = 0; ; race++)
        {
            try
            {
                await campaigns.ReplaceAsync(current, current.Campaign, current.Engine with { LeaseUntil = null, TimerToken = token, TimerDueAt = next }, cancellationToken);
                break;
            }
            catch (ConcurrencyConflictException) when (race < 10)
            {
                // An operator action changed the row during the tick: keep its change, write our bookkeeping on top.
                current = await campaigns.GetAsync(leased.AccountId, leased.Campaign.Id, cancellationToken) ?? leased;
                if (current.Campaign.Status is CampaignStatus.Paused or CampaignStatus.Stopped)
                    (token, next) = (null, null);
            }
        }
        if (next is { } due)
            await queues.SendTimerAsync(leased.AccountId, leased.Campaign.Id, token, due, cancellationToken);
        LogTick(leased.Campaign.Id, next?.ToString() ?? "none");
    }

    private async Task<(StoredCampaign Campaign, Instant? Next)> WorkAsync(StoredCampaign stored, CancellationToken cancellationToken)
    {
        var now = Now;
        var schedule = stored.Campaign.Schedule;
        if (stored.Campaign.Status == CampaignStatus.Scheduled)
        {
            if (schedule is null)
                return (stored, null); // waits for the start action
            if (now < schedule.StartInstant)
                return (stored, schedule.StartInstant);
            stored = await ChangeStatusAsync(stored, CampaignTrigger.ScheduleStarted, cancellationToken);
            LogStarted(stored.Campaign.Id);
        }
        if (stored.Campaign.Status != CampaignStatus.Running)
            return (stored, null); // paused, stopped or completed: calls in progress still report through OutcomeRecorder

        var states = await shards.ReadStatesAsync(stored.Campaign.Id, stored.ContactShards, cancellationToken);
        if (schedule is not null && now >= schedule.EndInstant)
        {
            await ExpireAsync(stored, states, cancellationToken);
            states = await shards.ReadStatesAsync(stored.Campaign.Id, stored.ContactShards, cancellationToken);
            if (states.Sum(s => s.Unresolved) == 0)
                return (await FinishAsync(stored, cancellationToken), null);
            return (stored, await NextDueAsync(stored, now, cancellationToken) ?? now + Duration.FromSeconds(options.HeartbeatSeconds));
        }
        if (states.Sum(s => s.Unresolved) == 0)
            return (await FinishAsync(stored, cancellationToken), null);

        var inProgress = states.Sum(s => s.InProgress);
        var moreNow = false;
        var hours = await accounts.GetLegalHoursAsync(stored.AccountId, cancellationToken);
        var budget = System.Diagnostics.Stopwatch.StartNew();
        // Keep dialing while lines free up within this wake-up (short calls), for at most half the lease.
        while (Pacing.Available(options.MaxCallsInProgress, inProgress) is var capacity and > 0)
        {
            int placed;
            (moreNow, placed) = await DispatchAsync(stored, states, capacity, hours, cancellationToken);
            inProgress += placed;
            if (placed == 0 || budget.Elapsed > TimeSpan.FromSeconds(options.LeaseSeconds / 2.0))
                break;
            states = await shards.ReadStatesAsync(stored.Campaign.Id, stored.ContactShards, cancellationToken);
            inProgress = states.Sum(s => s.InProgress);
            if (states.Sum(s => s.Unresolved) == 0)
                return (await FinishAsync(stored, cancellationToken), null);
            moreNow = true; // if the loop ends on the budget, look again at once
        }

        Instant? next;
        if (moreNow)
            next = Now;
        else if (inProgress > 0)
        {
            // Calls in progress: their results nudge the campaign, and the heartbeat is the safety net; only what falls
            // due before the heartbeat needs reading.
            var heartbeat = Now + Duration.FromSeconds(options.HeartbeatSeconds);
            next = await shards.NextDueWithinAsync(stored.Campaign.Id, stored.ContactShards, now, heartbeat, cancellationToken) ?? heartbeat;
        }
        else
            next = await NextDueAsync(stored, now, cancellationToken);
        if (schedule is not null)
            next = Min(next, schedule.EndInstant);
        return (stored, next);
    }

    private async Task<Instant?> NextDueAsync(StoredCampaign stored, Instant now, CancellationToken cancellationToken)
    {
        // Most often something falls due soon: one query over every shard finds it. Otherwise ask each shard for its first.
        if (await shards.NextDueWithinAsync(stored.Campaign.Id, stored.ContactShards, now, now + Duration.FromSeconds(options.HeartbeatSeconds), cancellationToken) is { } soon)
            return soon;
        var nexts = await Task.WhenAll(Enumerable.Range(0, stored.ContactShards).Select(shard =>
            shards.NextDueAfterAsync(ContactSharding.PartitionKey(stored.Campaign.Id, shard), now, cancellationToken)));
        return nexts.Where(n => n is not null).Min();
    }

    private static Instant? Min(Instant? a, Instant b) => a is null || b < a ? b : a;

    private async Task<StoredCampaign> ChangeStatusAsync(StoredCampaign stored, CampaignTrigger trigger, CancellationToken cancellationToken)
    {
        var current = stored;
        for (var race = 0; ; race++)
        {
            var updated = current.Campaign.Apply(trigger, Now);
            try
            {
                return await campaigns.ReplaceAsync(current, updated, current.Engine, cancellationToken);
            }
            catch (ConcurrencyConflictException) when (race < 10)
            {
                current = await campaigns.GetAsync(stored.AccountId, stored.Campaign.Id, cancellationToken)
                    ?? throw new InvalidOperationException($"Campaign {stored.Campaign.Id} vanished during its tick");
            }
        }
    }

    private async Task<StoredCampaign> FinishAsync(StoredCampaign stored, CancellationToken cancellationToken)
    {
        var finished = await ChangeStatusAsync(stored, CampaignTrigger.Finished, cancellationToken);
        LogCompleted(finished.Campaign.Id);
        return finished;
    }

    // ---- dispatch ---------------------------------------------------------------------------------------------

    private sealed record Candidate(int Shard, Instant DueAt, StoredContact Contact, string? DueRowKey, bool Fresh);

    private enum PlanKind { Skip, Claim, Wait, Resolve }

    private sealed record Plan(Candidate Candidate, PlanKind Kind, Instant? WaitUntil = null, string? Reason = null);

    /// <summary>Dispatches up to <paramref name="capacity"/> calls. Returns whether more work is due now, and how many calls were placed.</summary>
    private async Task<(bool MoreNow, int Placed)> DispatchAsync(
        StoredCampaign stored, List<ShardState> states, int capacity, LegalHours hours, CancellationToken cancellationToken)
    {
        var now = Now;
        var campaign = stored.Campaign;
        var fetch = capacity + ExtraCandidates;
        var freshDueAt = campaign.Schedule?.StartInstant ?? campaign.CreatedAt;

        // 1. Read only what is due: the due index up to now, and the next never-tried contacts of each shard.
        // One query reads the due index of every shard; never-tried contacts are scanned shard by shard until enough.
        var dueByShard = (await shards.ReadDueAcrossAsync(campaign.Id, stored.ContactShards, now, fetch, cancellationToken))
            .GroupBy(d => d.PartitionKey).ToDictionary(g => g.Key, g => g.ToList());
        var freshByShard = new Dictionary<string, List<StoredContact>>();
        var freshFound = 0;
        foreach (var state in states.Where(s => !s.FreshDone))
        {
            if (freshFound >= fetch)
                break;
            var fresh = await contacts.ScanAsync(state.PartitionKey, state.FreshCursor, fetch, cancellationToken);
            freshByShard[state.PartitionKey] = fresh;
            freshFound += fresh.Count;
        }
        var perShard = await Task.WhenAll(states.Select(async state =>
        {
            var shard = ShardOf(state.PartitionKey);
            var due = dueByShard.GetValueOrDefault(state.PartitionKey) ?? [];
            var byPhone = due.Count == 0 ? [] : await contacts.GetManyAsync(state.PartitionKey, due.Select(d => d.Phone), cancellationToken);
            var candidates = new List<Candidate>();
            var orphans = new List<string>();
            foreach (var (_, at, phone, rowKey) in due)
            {
                if (byPhone.TryGetValue(phone, out var contact) && contact.DueKey == rowKey)
                    candidates.Add(new Candidate(shard, at, contact, rowKey, Fresh: false));
                else
                    orphans.Add(rowKey); // left behind by a crash between two writes: the contact points elsewhere
            }
            var scanned = freshByShard.TryGetValue(state.PartitionKey, out var fresh);
            foreach (var contact in fresh ?? [])
                candidates.Add(new Candidate(shard, freshDueAt, contact, null, Fresh: true));
            return (State: state, Candidates: candidates, Orphans: orphans, FreshComplete: scanned && fresh!.Count < fetch);
        }));

        // 2. Decide, in due order, until the capacity is used.
        var ordered = perShard.SelectMany(s => s.Candidates)
            .OrderBy(c => c.DueAt).ThenBy(c => c.Shard).ThenBy(c => c.Contact.State.Spec.Phone.E164, StringComparer.Ordinal).ToList();
        var plans = new List<Plan>();
        var lost = new List<AttemptId>();
        var remaining = capacity;
        var stoppedEarly = false;
        foreach (var candidate in ordered)
        {
            var state = candidate.Contact.State;
            if (candidate.Fresh && (state.Status != ContactStatus.Pending || state.Attempts > 0 || candidate.Contact.DueKey is not null))
            {
                plans.Add(new Plan(candidate, PlanKind.Skip)); // removed, resolved, or already in the due index
                continue;
            }
            if (state.Status is ContactStatus.Removed or ContactStatus.Resolved)
            {
                plans.Add(new Plan(candidate, PlanKind.Skip));
                continue;
            }
            if (state.Status == ContactStatus.Dialing)
            {
                lost.Add(new AttemptId(campaign.Id, candidate.Shard, state.Spec.Phone.E164, state.Attempts)); // watchdog: no result came
                continue;
            }
            var zones = ContactZones.For(state.Spec.Phone, state.Spec.TimeZone);
            if (zones.Count == 0)
            {
                plans.Add(new Plan(candidate, PlanKind.Resolve, Reason: Dispositions.NotDialable));
                continue;
            }
            switch (CallingWindow.Decide(zones, hours, campaign.Schedule, now))
            {
                case WindowDecision.Never never:
                    plans.Add(new Plan(candidate, PlanKind.Resolve, Reason: never.ScheduleEnded ? Dispositions.ScheduleEnded : Dispositions.NotDialable));
                    break;
                case WindowDecision.Wait wait:
                    plans.Add(new Plan(candidate, PlanKind.Wait, wait.Until, WireReason(wait.Reason)));
                    break;
                default:
                    if (remaining == 0)
                    {
                        stoppedEarly = true;
                        break;
                    }
                    plans.Add(new Plan(candidate, PlanKind.Claim));
                    remaining--;
                    break;
            }
            if (stoppedEarly)
                break;
        }

        // 3. Commit per shard, in transactions of at most 20 contacts; check the campaign is still running before each.
        var placed = new List<(AttemptId Attempt, ContactSpec Contact)>();
        // Capacity used up: results will nudge the campaign when slots free. Candidates left unread: look again at once.
        var moreNow = !stoppedEarly && perShard.Any(s => s.Candidates.Count >= fetch);
        // Shards are independent partitions: their transactions go out side by side.
        var commits = await Task.WhenAll(perShard.Select(shard =>
        {
            var shardPlans = plans.Where(p => p.Candidate.Shard == ShardOf(shard.State.PartitionKey)).ToList();
            var allFreshSeen = shard.FreshComplete && !stoppedEarly;
            return CommitShardAsync(stored, shard.State, shardPlans, shard.Orphans, allFreshSeen, now, cancellationToken);
        }));
        foreach (var (committed, complete) in commits)
        {
            placed.AddRange(committed);
            moreNow |= !complete;
        }

        // 4. Place the claimed calls; record results that never came.
        await Parallel.ForEachAsync(placed, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (call, ct) =>
        {
            try
            {
                await voice.PlaceCallAsync(new CallRequest(call.Attempt, stored.AccountId, campaign.ScriptId, campaign.Language.Value, call.Contact), ct);
            }
            catch (VoiceAgentException ex)
            {
                LogProviderRefused(call.Attempt.ToString(), ex.Message);
                await outcomes.RecordAsync(call.Attempt, CallOutcome.Failed, null, null, ct);
            }
        });
        foreach (var attempt in lost)
        {
            LogNoResult(attempt.ToString());
            await outcomes.RecordAsync(attempt, CallOutcome.Failed, null, null, cancellationToken);
        }
        return (moreNow, placed.Count);
    }

    private async Task<(List<(AttemptId, ContactSpec)> Placed, bool Complete)> CommitShardAsync(
        StoredCampaign stored, ShardState state, List<Plan> plans, List<string> orphans, bool allFreshSeen, Instant now, CancellationToken cancellationToken)
    {
        var placed = new List<(AttemptId, ContactSpec)>();
        var chunks = plans.Chunk(ContactsPerTransaction).ToList();
        if (chunks.Count == 0 && (orphans.Count > 0 || (allFreshSeen && !state.FreshDone)))
            chunks.Add([]);
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            var last = i == chunks.Count - 1;
            if (chunk.Any(p => p.Kind == PlanKind.Claim))
            {
                var fresh = await campaigns.GetAsync(stored.AccountId, stored.Campaign.Id, cancellationToken);
                if (fresh?.Campaign.Status != CampaignStatus.Running)
                    return (placed, true); // paused or stopped meanwhile: dial nobody more
            }
            for (var race = 0; ; race++)
            {
                var (actions, claims, newState) = BuildTransaction(stored.Campaign, state, chunk, last ? orphans : [], last && allFreshSeen, now);
                try
                {
                    var etag = await shards.SubmitAsync(actions, cancellationToken);
                    state = etag is { } written && actions[^1].Entity.RowKey == ShardRows.StateKey
                        ? newState with { ETag = written }
                        : await shards.ReadStateAsync(state.PartitionKey, cancellationToken) ?? newState;
                    placed.AddRange(claims);
                    break;
                }
                catch (ConcurrencyConflictException) when (race < 3)
                {
                    // Usually the shard row, changed by a result recorded meanwhile: read it again and retry.
                    state = await shards.ReadStateAsync(state.PartitionKey, cancellationToken) ?? state;
                }
                catch (ConcurrencyConflictException)
                {
                    return (placed, false); // a contact changed (removed?): the next tick decides again on fresh rows
                }
            }
        }
        return (placed, true);
    }

    private (List<TableTransactionAction> Actions, List<(AttemptId, ContactSpec)> Claims, ShardState State) BuildTransaction(
        Campaign campaign, ShardState state, Plan[] chunk, List<string> orphans, bool freshDone, Instant now)
    {
        var partition = state.PartitionKey;
        var actions = new List<TableTransactionAction>();
        var claims = new List<(AttemptId, ContactSpec)>();
        var newState = state;
        foreach (var plan in chunk)
        {
            var contact = plan.Candidate.Contact;
            var phone = contact.State.Spec.Phone.E164;
            if (plan.Candidate.Fresh && string.CompareOrdinal(phone, newState.FreshCursor) > 0)
                newState = newState with { FreshCursor = phone };
            if (plan.Kind == PlanKind.Skip)
            {
                if (plan.Candidate.DueRowKey is { } stale && !plan.Candidate.Fresh)
                    actions.Add(new(TableTransactionActionType.Delete, new TableEntity(partition, stale), ETag.All));
                continue;
            }
            var newDueKey = plan.Kind == PlanKind.Wait ? ShardRows.DueKey(plan.WaitUntil!.Value, phone) : null;
            if (contact.DueKey is { } oldDue && oldDue != newDueKey)
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(partition, oldDue), ETag.All));
            switch (plan.Kind)
            {
                case PlanKind.Claim:
                {
                    var number = contact.State.Attempts + 1;
                    var watchdog = now + Duration.FromTimeSpan(options.AttemptTimeout);
                    var dueKey = ShardRows.DueKey(watchdog, phone);
                    var dialing = contact.State with { Status = ContactStatus.Dialing, Attempts = number, NextAttemptAt = null, WaitReason = null };
                    actions.Add(new(TableTransactionActionType.UpdateReplace, ContactStore.ToEntity(partition, dialing, dueKey), contact.ETag));
                    actions.Add(new(TableTransactionActionType.Add, ShardRows.DueEntity(partition, watchdog, phone)));
                    actions.Add(new(TableTransactionActionType.Add, ShardRows.ToEntity(new AttemptRow(partition, phone, number, now, null, null, null, null, default))));
                    newState = newState with { InProgress = newState.InProgress + 1, CallsMade = newState.CallsMade + 1 };
                    claims.Add((new AttemptId(campaign.Id, plan.Candidate.Shard, phone, number), contact.State.Spec));
                    break;
                }
                case PlanKind.Wait:
                {
                    var until = plan.WaitUntil!.Value;
                    var waiting = contact.State with { NextAttemptAt = until, WaitReason = plan.Reason };
                    actions.Add(new(TableTransactionActionType.UpdateReplace, ContactStore.ToEntity(partition, waiting, newDueKey), contact.ETag));
                    if (contact.DueKey != newDueKey)
                        actions.Add(new(TableTransactionActionType.Add, ShardRows.DueEntity(partition, until, phone)));
                    break;
                }
                case PlanKind.Resolve:
                {
                    var resolved = contact.State with { Status = ContactStatus.Resolved, LastDisposition = plan.Reason, NextAttemptAt = null, WaitReason = null };
                    actions.Add(new(TableTransactionActionType.UpdateReplace, ContactStore.ToEntity(partition, resolved, null), contact.ETag));
                    newState = newState.WithDisposition(plan.Reason!);
                    break;
                }
            }
        }
        foreach (var orphan in orphans)
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(partition, orphan), ETag.All));
        if (freshDone)
            newState = newState with { FreshDone = true };
        if (newState != state || actions.Count > 0)
            actions.Add(new(TableTransactionActionType.UpdateReplace, ShardRows.ToEntity(newState), state.ETag));
        return (DistinctDeletes(actions), claims, newState);
    }

    /// <summary>A transaction may touch a row once; a due row both skipped and replaced is deleted once.</summary>
    private static List<TableTransactionAction> DistinctDeletes(List<TableTransactionAction> actions) =>
        actions.DistinctBy(a => (a.Entity.RowKey, a.ActionType == TableTransactionActionType.Delete)).ToList();

    /// <summary>At the schedule's end no call starts: every contact still pending is resolved as <c>schedule_ended</c>.</summary>
    private async Task ExpireAsync(StoredCampaign stored, List<ShardState> states, CancellationToken cancellationToken)
    {
        foreach (var state in states)
        {
            var shard = ShardOf(state.PartitionKey);
            var cursor = "";
            while (true)
            {
                var page = await contacts.ScanAsync(state.PartitionKey, cursor, 500, cancellationToken);
                if (page.Count == 0)
                    break;
                cursor = page[^1].State.Spec.Phone.E164;
                var pending = page.Where(c => c.State.Status == ContactStatus.Pending)
                    .Select(c => new Plan(new Candidate(shard, Now, c, c.DueKey, false), PlanKind.Resolve, Reason: Dispositions.ScheduleEnded))
                    .ToList();
                var current = await shards.ReadStateAsync(state.PartitionKey, cancellationToken) ?? state;
                await CommitShardAsync(stored, current, pending, [], allFreshSeen: false, Now, cancellationToken);
            }
        }
    }

    private static int ShardOf(string partitionKey) => int.Parse(partitionKey[(partitionKey.LastIndexOf('~') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    internal static string WireReason(WaitReason reason) => reason switch
    {
        WaitReason.BeforeSchedule => "before_schedule",
        WaitReason.OutsideLegalHours => "outside_legal_hours",
        _ => reason.ToString(),
    };

    [LoggerMessage(EventId = 2000, Level = LogLevel.Debug, Message = "Campaign {CampaignId} ticked; next look at {Next}")]
    private partial void LogTick(string campaignId, string next);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Campaign {CampaignId} started at its schedule")]
    private partial void LogStarted(string campaignId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Campaign {CampaignId} completed")]
    private partial void LogCompleted(string campaignId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "No result came for attempt {Attempt}: recorded as failed")]
    private partial void LogNoResult(string attempt);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "The voice agent refused attempt {Attempt}: {Reason}")]
    private partial void LogProviderRefused(string attempt, string reason);
}
