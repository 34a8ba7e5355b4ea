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
    ShardStore shards,
    AccountStore accounts,
    EngineQueues queues,
    Dispatcher dispatcher,
    AgentPools pools,
    EngineOptions options,
    TimeProvider time,
    ILogger<CampaignEngine> log)
{
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
        else if (stored.Campaign.Dialer is { } dialer && stored.Engine is { TimerToken: not null, TimerDueAt: { } timerAt, LastTickAt: { } lastTick }
                 && timerAt <= lastTick + dialer.DialerInterval)
        {
            return; // a list-fed campaign dials at its dialer_interval: the next tick is armed and sees this change
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

        // A list-fed campaign's agent pool first: calls that waited too long are abandoned (and recorded) before the
        // progress read below counts the calls in progress.
        var pool = stored.Campaign.Dialer is { } settings ? pools.PoolOf(stored.AccountId, stored.Campaign.Id, settings) : null;
        var look = pool is null ? null : await pools.TickAsync(pool, cancellationToken);
        var progress = await shards.ReadProgressAsync(stored.Campaign.Id, stored.ContactShards, cancellationToken);
        if (schedule is not null && now >= schedule.EndInstant)
        {
            await dispatcher.ExpireAsync(stored, progress, cancellationToken);
            progress = await shards.ReadProgressAsync(stored.Campaign.Id, stored.ContactShards, cancellationToken);
            if (progress.Sum(s => s.Unresolved) == 0)
                return await FinishOrSleepAsync(stored, cancellationToken);
            return (stored, await NextDueAsync(stored, now, cancellationToken) ?? now + Duration.FromSeconds(options.HeartbeatSeconds));
        }
        if (progress.Sum(s => s.Unresolved) == 0)
            return await FinishOrSleepAsync(stored, cancellationToken);

        var round = dispatcher.Begin(stored, await accounts.GetLegalHoursAsync(stored.AccountId, cancellationToken), pool);
        if (pool is not null)
            return await DialListFedAsync(stored, pool.Settings, look!, round, progress, now, cancellationToken);
        var inProgress = progress.Sum(s => s.InProgress);
        var moreNow = false;
        var budget = System.Diagnostics.Stopwatch.StartNew();
        // Keep dialing while lines free up within this wake-up (short calls), for at most half the lease.
        var lines = options.MaxCallsInProgress;
        while (Pacing.Available(lines, inProgress) is var capacity and > 0)
        {
            int placed;
            (moreNow, placed) = await round.DispatchAsync(progress, capacity, cancellationToken);
            inProgress += placed;
            if (placed == 0 || budget.Elapsed > TimeSpan.FromSeconds(options.LeaseSeconds / 2.0))
                break;
            progress = await round.RefreshAsync(progress, cancellationToken);
            inProgress = progress.Sum(s => s.InProgress);
            if (progress.Sum(s => s.Unresolved) == 0)
                return await FinishOrSleepAsync(stored, cancellationToken);
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

    /// <summary>
    /// One dialer tick of a list-fed campaign (Campaign Scheduler API). It dials once per tick, never more than
    /// <see cref="AgentPool.CallsToDial"/> allows: floor(call_ratio × free agent slots) less the calls still ringing,
    /// and with max_active_calls above 0 never more concurrent calls than that; and never more than
    /// <c>Engine__MaxCallsInProgress</c> (the safety cap of every campaign). Calls still ringing are this campaign's
    /// calls in progress that are neither on a slot nor waiting for one. The next tick is dialer_interval later while
    /// anything can change by then (calls in progress, slots in wrap-up, contacts left over); otherwise the campaign
    /// sleeps until its next due contact, which is dialed at a tick too (never sooner than dialer_interval from now).
    /// </summary>
    private async Task<(StoredCampaign Campaign, Instant? Next)> DialListFedAsync(StoredCampaign stored, Domain.Dialer.DialerSettings dialer,
        PoolLook look, Dispatcher.Round round, List<ShardProgress> progress, Instant now, CancellationToken cancellationToken)
    {
        var inProgress = progress.Sum(s => s.InProgress);
        var ringing = Math.Max(0, inProgress - look.CampaignCalls);
        var capacity = Math.Min(
            Domain.Dialer.AgentPool.CallsToDial(look.SlotsFree, ringing, dialer.CallRatio, dialer.MaxActiveCalls, look.CampaignCalls),
            Pacing.Available(options.MaxCallsInProgress, inProgress));
        var moreNow = capacity == 0; // nothing may start now, whether or not anyone is due: look again at the next tick
        if (capacity > 0)
        {
            (moreNow, var placed) = await round.DispatchAsync(progress, capacity, cancellationToken);
            if (placed > 0)
            {
                progress = await round.RefreshAsync(progress, cancellationToken);
                inProgress = progress.Sum(s => s.InProgress);
                if (progress.Sum(s => s.Unresolved) == 0)
                    return await FinishOrSleepAsync(stored, cancellationToken);
            }
        }
        var tick = Now + dialer.DialerInterval;
        if (moreNow || inProgress > 0 || look.Waiting > 0)
            return (stored, tick);
        return (stored, await NextDueAsync(stored, now, cancellationToken) is { } due ? (due > tick ? due : tick) : null);
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

    /// <summary>
    /// Every contact is resolved: a campaign with a fixed contact list completes; a list-fed one (Campaign Scheduler
    /// API) sleeps without a timer until an import or a settings change nudges it.
    /// </summary>
    private async Task<(StoredCampaign, Instant?)> FinishOrSleepAsync(StoredCampaign stored, CancellationToken cancellationToken) =>
        stored.Campaign.IsOpen ? (stored, null) : (await FinishAsync(stored, cancellationToken), null);

    private async Task<StoredCampaign> FinishAsync(StoredCampaign stored, CancellationToken cancellationToken)
    {
        var finished = await ChangeStatusAsync(stored, CampaignTrigger.Finished, cancellationToken);
        LogCompleted(finished.Campaign.Id);
        return finished;
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Debug, Message = "Campaign {CampaignId} ticked; next look at {Next}")]
    private partial void LogTick(string campaignId, string next);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Campaign {CampaignId} started at its schedule")]
    private partial void LogStarted(string campaignId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Campaign {CampaignId} completed")]
    private partial void LogCompleted(string campaignId);

}
