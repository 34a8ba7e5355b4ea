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
/// What one look at a campaign does, for its orchestration (<see cref="CampaignOrchestration"/>): reads only what is
/// due (the due index and the scan position of never-tried contacts), decides per contact with Domain's rules (calling
/// window, pacing), claims the dials in ETag-guarded transactions, places the calls, and answers when anything can next
/// change. A look may run twice at once (an activity retried while the first copy still runs, two hosts): each dial is
/// claimed under its attempt id with an ETag, so the loser of a race dials nobody; the line cap is re-read per round.
/// </summary>
internal sealed partial class CampaignEngine(
    CampaignStore campaigns,
    ShardStore shards,
    AccountStore accounts,
    Dispatcher dispatcher,
    AgentPools pools,
    EngineOptions options,
    TimeProvider time,
    EngineMetrics metrics,
    ILogger<CampaignEngine> log)
{
    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>
    /// Looks at a campaign once: starts it at its schedule, dials what is due, finishes it when every contact is
    /// resolved. Writes when it looked and when it means to look next on the campaign row (what the sweep checks), and
    /// answers the orchestration: ended, or how long to sleep (capped at <see cref="EngineOptions.MaxSleepSeconds"/>).
    /// </summary>
    public async Task<LookAnswer> LookAsync(string account, string campaignId, CancellationToken cancellationToken)
    {
        var started = Now;
        Interlocked.Increment(ref metrics.Looks);
        var stored = await campaigns.GetAsync(account, campaignId, cancellationToken);
        if (stored is null)
            return new LookAnswer(true, null, started.ToDateTimeOffset()); // deleted: its orchestration ends
        if (stored.Campaign.Status is CampaignStatus.Completed or CampaignStatus.Stopped)
            return new LookAnswer(true, null, started.ToDateTimeOffset());

        Instant? next = Now + Duration.FromSeconds(options.HeartbeatSeconds); // if the work fails, look again soon
        try
        {
            (stored, next) = await WorkAsync(stored, cancellationToken);
        }
        finally
        {
            await RecordLookAsync(stored, started, next, CancellationToken.None);
        }
        var ended = stored.Campaign.Status is CampaignStatus.Completed or CampaignStatus.Stopped;
        double? sleep = next is { } due ? Math.Clamp((due - Now).TotalSeconds, 0, options.MaxSleepSeconds) : null;
        // A list-fed campaign's next look at its next dialer tick: wake-ups before it change nothing (a result, an edit).
        var atTick = stored.Campaign.Dialer is { } dialer && next is { } at && at <= Now + dialer.DialerInterval;
        LogLook(campaignId, ended ? "ended" : next?.ToString() ?? "an event");
        return new LookAnswer(ended, ended ? null : sleep, started.ToDateTimeOffset(), atTick && !ended, next?.ToDateTimeOffset());
    }

    /// <summary>
    /// Campaigns whose orchestration should have looked at them by now, and has not: their next look is overdue by
    /// more than <paramref name="grace"/>, or they run and were changed after their last look (an action whose wake-up
    /// was lost in a crash, or a campaign whose orchestration was never started). The sweep wakes them; waking a
    /// healthy orchestration only makes it look once more.
    /// </summary>
    public async IAsyncEnumerable<StoredCampaign> OverdueAsync(Duration grace, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var now = Now;
        await foreach (var stored in campaigns.ActiveAsync(cancellationToken))
        {
            var engine = stored.Engine;
            var overdue = engine.NextLookAt is { } next && next + grace <= now;
            var unseen = stored.Campaign.Status == CampaignStatus.Running && stored.Campaign.UpdatedAt + grace <= now
                && (engine.LastLookAt is not { } last || last < stored.Campaign.UpdatedAt);
            if (overdue || unseen)
                yield return stored;
        }
    }

    /// <summary>Writes the look's bookkeeping on the row, on top of any operator change made meanwhile.</summary>
    private async Task RecordLookAsync(StoredCampaign stored, Instant started, Instant? next, CancellationToken cancellationToken)
    {
        var current = stored;
        for (var race = 0; ; race++)
        {
            try
            {
                await campaigns.ReplaceAsync(current, current.Campaign, new EngineState(started, next), cancellationToken);
                return;
            }
            catch (ConcurrencyConflictException) when (race < 10)
            {
                current = await campaigns.GetAsync(stored.AccountId, stored.Campaign.Id, cancellationToken);
                if (current is null)
                    return; // deleted meanwhile
            }
        }
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
        // Keep dialing while lines free up within this look (short calls), for at most MaxLookSeconds.
        var lines = options.MaxCallsInProgress;
        while (Pacing.Available(lines, inProgress) is var capacity and > 0)
        {
            int placed;
            (moreNow, placed) = await round.DispatchAsync(progress, capacity, cancellationToken);
            inProgress += placed;
            if (placed == 0 || budget.Elapsed > TimeSpan.FromSeconds(options.MaxLookSeconds))
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
            next = await shards.NextDueWithinAsync(stored.Campaign.Id, stored.ContactShards, now, heartbeat, cancellationToken) is { } due
                ? Gathered(due)
                : heartbeat;
        }
        else
            next = await NextDueAsync(stored, now, cancellationToken) is { } due ? Gathered(due) : null;
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

    /// <summary>
    /// The look for a contact falling due comes <see cref="EngineOptions.GatherMilliseconds"/> after it, never before (a
    /// retry interval is a minimum), so that contacts falling due close together share one look.
    /// </summary>
    private Instant Gathered(Instant due) => due + Duration.FromMilliseconds(options.GatherMilliseconds);

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

    [LoggerMessage(EventId = 2000, Level = LogLevel.Debug, Message = "Campaign {CampaignId} looked at; next look at {Next}")]
    private partial void LogLook(string campaignId, string next);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Campaign {CampaignId} started at its schedule")]
    private partial void LogStarted(string campaignId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Campaign {CampaignId} completed")]
    private partial void LogCompleted(string campaignId);

}
