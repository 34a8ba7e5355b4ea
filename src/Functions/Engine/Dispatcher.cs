using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Scheduling;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Campaigns.Functions.VoiceAgents;
using NodaTime;

namespace Campaigns.Functions.Engine;

/// <summary>
/// Dials a campaign's due contacts within one tick (<see cref="CampaignEngine"/> holds the campaign's lease meanwhile).
/// Each round reads only what is due (the due index up to now, and never-tried contacts past each shard's scan
/// position, kept between rounds of the tick), decides each contact with Domain's rules in due order until the free
/// lines are used, claims the dials in ETag-guarded transactions per shard, and places the calls.
/// A claim is one transaction per shard: the contacts (each now dialing its next attempt, recorded in its history),
/// one watchdog row for them all, and the shard's state row with its counters. It fails as a whole if any of those rows
/// changed since it was read (a removal, another instance), so nobody is dialed twice and nothing is counted twice.
/// </summary>
internal sealed partial class Dispatcher(
    CampaignStore campaigns, ContactStore contacts, ShardStore shards, RecentRows recent, OutcomeRecorder outcomes,
    IVoiceAgent voice, EngineOptions options, Hosting.CampaignTelemetry telemetry, TimeProvider time, ILogger<Dispatcher> log)
{
    private readonly ShardStore _shards = shards;
    private readonly Hosting.CampaignTelemetry _telemetry = telemetry;
    private readonly ContactStore _contacts = contacts;
    private readonly RecentRows _recent = recent;

    private const int RowsPerTransaction = 97; // + the outbox row + the watchdog row + the state row: Table Storage's limit of 100
    private const int ExtraCandidates = 20;
    private const int MaxScan = 1000;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>Starts the dialing of one tick; a list-fed campaign's calls carry its agent <paramref name="pool"/>.</summary>
    public Round Begin(StoredCampaign campaign, LegalHours hours, PoolCampaign? pool = null) => new(this, campaign, hours, pool);

    /// <summary>The dialing of one tick: fresh contacts read but not yet dialed are kept from one round to the next.</summary>
    internal sealed class Round(Dispatcher d, StoredCampaign stored, LegalHours hours, PoolCampaign? pool = null)
    {
        // Shards commit side by side: each task touches its own partition's entries only.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Queue<StoredContact>> _fresh = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ShardState> _states = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _exhausted = new();

        /// <summary>
        /// Dispatches up to <paramref name="capacity"/> calls. Returns whether more is due now than this round could
        /// take, and how many calls were placed.
        /// </summary>
        public async Task<(bool MoreNow, int Placed)> DispatchAsync(IReadOnlyList<ShardProgress> progress, int capacity, CancellationToken cancellationToken)
        {
            var now = d.Now;
            var campaign = stored.Campaign;
            foreach (var shard in progress)
                _states[shard.PartitionKey] = shard.State;
            var fetch = capacity + ExtraCandidates;

            // 1. What is due: the due index up to now (one query over every shard), watchdogs first.
            var due = await d._shards.ReadDueAcrossAsync(campaign.Id, stored.ContactShards, now, fetch, cancellationToken);
            var watchdogs = due.Where(r => r.Phone is null).ToList();
            if (watchdogs.Count > 0)
                await d.ExpireLostAttemptsAsync(watchdogs.Select(w => (w.PartitionKey, w.RowKey)).ToList(), now, cancellationToken);
            var dueByShard = due.Where(r => r.Phone is not null).GroupBy(r => r.PartitionKey).ToDictionary(g => g.Key, g => g.ToList());

            // 2. Never-tried contacts, shard by shard: buffers are topped up past each shard's scan position until
            // enough are at hand, so that a round's claims and results fill whole transactions of few partitions.
            var open = _states.Values.Where(s => !s.FreshDone).OrderBy(s => s.PartitionKey, StringComparer.Ordinal).ToList();
            var atHand = 0;
            foreach (var state in open)
            {
                var buffer = Buffer(state.PartitionKey);
                if (atHand + buffer.Count < fetch && !_exhausted.ContainsKey(state.PartitionKey))
                {
                    var after = buffer.Count > 0 ? buffer.Last().State.Spec.Phone.E164 : state.FreshCursor;
                    var take = Math.Clamp(fetch - atHand - buffer.Count, 100, MaxScan);
                    var page = await d._contacts.ScanAsync(state.PartitionKey, after, take, cancellationToken);
                    foreach (var contact in page)
                        buffer.Enqueue(contact);
                    if (page.Count < take)
                        _exhausted[state.PartitionKey] = true;
                }
                atHand += buffer.Count;
                if (atHand >= fetch)
                    break;
            }

            var candidates = new List<Candidate>();
            var orphans = new Dictionary<string, List<string>>();
            foreach (var (partition, rows) in dueByShard)
            {
                var shard = ShardOf(partition);
                var byPhone = await d.ReadDueContactsAsync(partition, rows.Select(r => (r.Phone!, r.RowKey)).ToList(), cancellationToken);
                foreach (var (_, at, phone, rowKey) in rows)
                {
                    if (byPhone.TryGetValue(phone!, out var contact) && contact.DueKey == rowKey)
                        candidates.Add(new Candidate(shard, at, contact, rowKey, Fresh: false));
                    else
                        (orphans.TryGetValue(partition, out var list) ? list : orphans[partition] = []).Add(rowKey); // left by a crash between two writes
                }
            }
            var freshDueAt = campaign.Schedule?.StartInstant ?? campaign.CreatedAt;
            foreach (var (partition, buffer) in _fresh)
                candidates.AddRange(buffer.Select(c => new Candidate(ShardOf(partition), freshDueAt, c, null, Fresh: true)));

            // 3. Decide, in due order (never-tried contacts shard by shard, by number), until the capacity is used.
            var ordered = candidates.OrderBy(c => c.DueAt).ThenBy(c => c.Shard).ThenBy(c => c.Contact.State.Spec.Phone.E164, StringComparer.Ordinal).ToList();
            var (plans, stoppedEarly) = DialPlans.Decide(campaign, ordered, capacity, hours, now);

            // 4. Commit per shard, the shards side by side.
            var byShard = plans.GroupBy(p => ContactSharding.PartitionKey(campaign.Id, p.Candidate.Shard)).ToDictionary(g => g.Key, g => g.ToList());
            var partitions = byShard.Keys.Union(orphans.Keys).Union(_exhausted.Keys.Where(p => _states.TryGetValue(p, out var s) && !s.FreshDone)).ToList();
            var commits = await Task.WhenAll(partitions.Select(partition => CommitShardAsync(
                partition, byShard.GetValueOrDefault(partition) ?? [], orphans.GetValueOrDefault(partition) ?? [], now, cancellationToken)));
            var placed = commits.SelectMany(c => c.Placed).ToList();
            var moreNow = commits.Any(c => !c.Complete)
                || !stoppedEarly && (dueByShard.Values.Sum(r => r.Count) >= fetch || _fresh.Values.Any(b => b.Count > 0) || open.Any(s => !_exhausted.ContainsKey(s.PartitionKey)));

            // 5. Place the claimed calls.
            await d.PlaceAsync(stored, placed, pool, decidedAt: now, cancellationToken);
            return (moreNow, placed.Count);
        }


        public void Know(ShardState state) => _states[state.PartitionKey] = state;

        /// <summary>
        /// The shards' progress between two rounds of this tick: the state rows as this tick last wrote them (only it
        /// claims while it holds the lease; a removal meanwhile only makes it count a contact as unresolved a little
        /// longer), with the results rows read again.
        /// </summary>
        public async Task<List<ShardProgress>> RefreshAsync(IReadOnlyList<ShardProgress> previous, CancellationToken cancellationToken)
        {
            // A results row changes only when a call of its shard ends: shards with no call in progress are as they were.
            var busy = previous.Where(p => _states[p.PartitionKey].CallsMade > p.Results.CallsEnded).Select(p => p.PartitionKey).ToList();
            var results = await d._shards.ReadResultsAsync(busy, cancellationToken);
            var fresh = busy.Zip(results).ToDictionary(r => r.First, r => r.Second);
            return previous.Select(p => new ShardProgress(_states[p.PartitionKey],
                fresh.TryGetValue(p.PartitionKey, out var r) ? r ?? ShardResults.New(p.PartitionKey) : p.Results)).ToList();
        }

        private Queue<StoredContact> Buffer(string partition) =>
            _fresh.GetOrAdd(partition, _ => new Queue<StoredContact>());

        internal async Task<(List<StoredContact> Placed, bool Complete)> CommitShardAsync(
            string partition, List<Plan> plans, List<string> orphans, Instant now, CancellationToken cancellationToken)
        {
            var placed = new List<StoredContact>();
            var state = _states[partition];
            var chunks = Chunk(plans);
            var freshDone = _exhausted.ContainsKey(partition) && Buffer(partition).Count == plans.Count(p => p.Candidate.Fresh);
            if (chunks.Count == 0 && (orphans.Count > 0 || freshDone && !state.FreshDone))
                chunks.Add([]);
            for (var i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i];
                var last = i == chunks.Count - 1;
                if (chunk.Any(p => p.Kind == PlanKind.Claim) && !await d.StillRunningAsync(stored, cancellationToken))
                    return (placed, true); // paused or stopped meanwhile: dial nobody more
                for (var race = 0; ; race++)
                {
                    var (actions, written, newState) = d.BuildTransaction(stored.Campaign, state, chunk, last ? orphans : [], last && freshDone, now);
                    try
                    {
                        var etags = await d._shards.SubmitAsync(actions, cancellationToken);
                        state = etags.Count > 0 && etags[^1] is { } etag && actions[^1].Entity.RowKey == ShardRows.StateKey
                            ? newState with { ETag = etag }
                            : await d._shards.ReadStateAsync(partition, cancellationToken) ?? newState;
                        for (var a = 0; a < actions.Count; a++)
                        {
                            if (written[a] is not { } contact)
                                continue;
                            var withEtag = contact with { ETag = etags.Count > a && etags[a] is { } e ? e : default };
                            if (contact.State.Status == ContactStatus.Dialing)
                            {
                                d._recent.Put(withEtag);
                                placed.Add(withEtag);
                            }
                        }
                        Consume(partition, chunk);
                        foreach (var plan in chunk)
                        {
                            // A retry (an earlier attempt exists) dialed now: how late after its due time.
                            if (plan.Kind == PlanKind.Claim && plan.Candidate.Contact.State.Attempts > 0)
                                d._telemetry.RetryLateness(now - plan.Candidate.DueAt);
                        }
                        break;
                    }
                    catch (ConcurrencyConflictException) when (race < 3)
                    {
                        // Usually the state row, changed by a removal meanwhile: read it again and retry.
                        state = await d._shards.ReadStateAsync(partition, cancellationToken) ?? state;
                    }
                    catch (ConcurrencyConflictException)
                    {
                        _fresh.TryRemove(partition, out _); // a contact changed (removed?): read this shard afresh
                        _exhausted.TryRemove(partition, out _);
                        _states[partition] = state;
                        return (placed, false);
                    }
                }
            }
            _states[partition] = state;
            return (placed, true);
        }

        private void Consume(string partition, Plan[] chunk)
        {
            var buffer = Buffer(partition);
            var done = chunk.Where(p => p.Candidate.Fresh).Select(p => p.Candidate.Contact.State.Spec.Phone.E164).ToHashSet(StringComparer.Ordinal);
            while (buffer.Count > 0 && done.Contains(buffer.Peek().State.Spec.Phone.E164))
                buffer.Dequeue();
        }

        /// <summary>Transactions of at most <see cref="RowsPerTransaction"/> rows, plans in order.</summary>
        private static List<Plan[]> Chunk(List<Plan> plans)
        {
            var chunks = new List<Plan[]>();
            var current = new List<Plan>();
            var rows = 0;
            foreach (var plan in plans)
            {
                if (rows + plan.Rows > RowsPerTransaction && current.Count > 0)
                {
                    chunks.Add([.. current]);
                    (current, rows) = ([], 0);
                }
                current.Add(plan);
                rows += plan.Rows;
            }
            if (current.Count > 0)
                chunks.Add([.. current]);
            return chunks;
        }
    }

    /// <summary>At the schedule's end no call starts: every contact still pending is resolved as <c>schedule_ended</c>.</summary>
    public async Task ExpireAsync(StoredCampaign stored, IReadOnlyList<ShardProgress> progress, CancellationToken cancellationToken)
    {
        var round = new Round(this, stored, LegalHours.UsDefault);
        foreach (var shard in progress)
        {
            round.Know(shard.State);
            var cursor = "";
            while (true)
            {
                var page = await _contacts.ScanAsync(shard.PartitionKey, cursor, 500, cancellationToken);
                if (page.Count == 0)
                    break;
                cursor = page[^1].State.Spec.Phone.E164;
                var pending = page.Where(c => c.State.Status == ContactStatus.Pending)
                    .Select(c => new Plan(new Candidate(ShardOf(c.PartitionKey), Now, c, c.DueKey, Fresh: false), PlanKind.Resolve, Reason: Dispositions.ScheduleEnded))
                    .ToList();
                if (pending.Count > 0)
                    await round.CommitShardAsync(shard.PartitionKey, pending, [], Now, cancellationToken);
            }
        }
    }

    private (List<TableTransactionAction> Actions, List<StoredContact?> Written, ShardState State) BuildTransaction(
        Campaign campaign, ShardState state, Plan[] chunk, List<string> orphans, bool freshDone, Instant now)
    {
        var partition = state.PartitionKey;
        var actions = new List<TableTransactionAction>();
        var written = new List<StoredContact?>();
        void Write(TableTransactionAction action, StoredContact? contact = null)
        {
            actions.Add(action);
            written.Add(contact);
        }
        var newState = state;
        var claims = 0;
        var events = new List<OutboxEvent>();
        foreach (var plan in chunk)
        {
            var contact = plan.Candidate.Contact;
            var phone = contact.State.Spec.Phone.E164;
            if (plan.Candidate.Fresh && string.CompareOrdinal(phone, newState.FreshCursor) > 0)
                newState = newState with { FreshCursor = phone };
            if (plan.Kind == PlanKind.Skip)
            {
                if (plan.Candidate.DueRowKey is { } stale && !plan.Candidate.Fresh)
                    Write(new(TableTransactionActionType.Delete, new TableEntity(partition, stale), ETag.All));
                continue;
            }
            var newDueKey = plan.Kind == PlanKind.Wait ? ShardRows.DueKey(plan.WaitUntil!.Value, phone) : null;
            if (contact.DueKey is { } oldDue && oldDue != newDueKey)
                Write(new(TableTransactionActionType.Delete, new TableEntity(partition, oldDue), ETag.All));
            ContactState updated;
            switch (plan.Kind)
            {
                case PlanKind.Claim:
                    updated = contact.State.StartAttempt(now);
                    newState = newState with { CallsMade = newState.CallsMade + 1 };
                    claims++;
                    events.Add(OutboxEvent.CallStarted(state.Settings.AccountId,
                        new AttemptId(campaign.Id, ContactSharding.ShardOfPartition(partition), phone, updated.Attempts), now));
                    break;
                case PlanKind.Wait:
                    updated = contact.State with { NextAttemptAt = plan.WaitUntil, WaitReason = plan.Reason };
                    if (contact.DueKey != newDueKey)
                        Write(new(TableTransactionActionType.Add, ShardRows.DueEntity(partition, plan.WaitUntil!.Value, phone)));
                    break;
                default:
                    updated = contact.State with { Status = ContactStatus.Resolved, LastDisposition = plan.Reason, NextAttemptAt = null, WaitReason = null };
                    newState = newState.WithDisposition(plan.Reason!);
                    events.Add(OutboxEvent.ContactResolved(state.Settings.AccountId, campaign.Id, phone, plan.Reason!, updated.Attempts, now));
                    break;
            }
            var stored = contact with { State = updated, DueKey = newDueKey };
            Write(ContactStore.Update(partition, updated, newDueKey, contact.ETag), stored);
        }
        foreach (var orphan in orphans)
            Write(new(TableTransactionActionType.Delete, new TableEntity(partition, orphan), ETag.All));
        if (events.Count > 0)
            Write(OutboxRows.InShardPartition(partition, events));
        if (claims > 0)
            Write(new(TableTransactionActionType.Add, new TableEntity(partition, ShardRows.WatchdogKey(now + Duration.FromTimeSpan(options.AttemptTimeout)))));
        if (freshDone)
            newState = newState with { FreshDone = true };
        if (newState != state || actions.Count > 0)
            Write(new(TableTransactionActionType.UpdateReplace, ShardRows.ToEntity(newState), state.ETag));
        return (actions, written, newState);
    }

    /// <summary>The contacts due rows point at: those this instance wrote last from memory, the others read.</summary>
    private async Task<Dictionary<string, StoredContact>> ReadDueContactsAsync(string partition, List<(string Phone, string RowKey)> due, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, StoredContact>();
        var toRead = new List<string>();
        foreach (var (phone, rowKey) in due)
        {
            if (_recent.Contact(partition, phone) is { } cached && cached.DueKey == rowKey)
                found[phone] = cached;
            else
                toRead.Add(phone);
        }
        if (toRead.Count > 0)
        {
            foreach (var (phone, contact) in await _contacts.GetManyAsync(partition, toRead, cancellationToken))
                found[phone] = contact;
        }
        return found;
    }

    /// <summary>
    /// Watchdogs that fell due: every contact of their shard still dialing an attempt older than the timeout gets that
    /// attempt recorded as <c>failed</c> (no result came), and goes on under the retry rules; then the rows go.
    /// Idempotent: an attempt that has a result meanwhile keeps it, and a watchdog seen twice finds nothing more.
    /// </summary>
    private async Task ExpireLostAttemptsAsync(List<(string PartitionKey, string RowKey)> watchdogs, Instant now, CancellationToken cancellationToken)
    {
        var cutoff = now - Duration.FromTimeSpan(options.AttemptTimeout);
        foreach (var partition in watchdogs.Select(w => w.PartitionKey).Distinct())
        {
            var shard = ShardOf(partition);
            foreach (var contact in await _shards.DialingAsync(partition, cancellationToken))
            {
                if (contact.State.History.LastOrDefault() is not { } attempt || attempt.StartedAt > cutoff)
                    continue;
                var id = new AttemptId(ContactSharding.CampaignOfPartition(partition), shard, contact.State.Spec.Phone.E164, attempt.Number);
                LogNoResult(id.ForLogs);
                await outcomes.RecordAsync(id, CallOutcome.Failed, null, null, cancellationToken);
            }
        }
        foreach (var (partition, rowKey) in watchdogs)
            await _shards.DeleteAsync(partition, rowKey, cancellationToken);
    }

    private async Task<bool> StillRunningAsync(StoredCampaign stored, CancellationToken cancellationToken) =>
        (await campaigns.GetAsync(stored.AccountId, stored.Campaign.Id, cancellationToken))?.Campaign.Status == CampaignStatus.Running;

    /// <summary>
    /// Places the claimed calls, several at once; a provider's refusal is recorded as a failed attempt. None later than <see cref="CallingWindow.PlacementLead"/> after the round decided them
    /// (the windows were checked to stay open that long): a call that would go later is not placed, its attempt is
    /// recorded as failed (the retry rules then decide again, with the clock) and the reason is logged.
    /// </summary>
    private async Task PlaceAsync(StoredCampaign stored, List<StoredContact> claimed, PoolCampaign? pool, Instant decidedAt, CancellationToken cancellationToken)
    {
        var campaign = stored.Campaign;
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Math.Min(claimed.Count, voice.Concurrency)), CancellationToken = cancellationToken }, async (contact, ct) =>
        {
            var attempt = new AttemptId(campaign.Id, ShardOf(contact.PartitionKey), contact.State.Spec.Phone.E164, contact.State.Attempts);
            if (Now - decidedAt is var late && late >= CallingWindow.PlacementLead)
            {
                LogTooLateToPlace(attempt.ForLogs, late.TotalSeconds);
                await outcomes.RecordAsync(attempt, CallOutcome.Failed, null, null, ct);
                return;
            }
            try
            {
                await voice.PlaceCallAsync(new CallRequest(attempt, stored.AccountId, campaign.ScriptId, campaign.Language.Value, contact.State.Spec) { Pool = pool }, ct);
                _telemetry.CallStarted();
            }
            catch (VoiceAgentException ex)
            {
                LogProviderRefused(attempt.ForLogs, PhoneMask.InText(ex.Message));
                await outcomes.RecordAsync(attempt, CallOutcome.Failed, null, null, ct);
            }
        });
    }

    private static int ShardOf(string partitionKey) => ContactSharding.ShardOfPartition(partitionKey);
}
