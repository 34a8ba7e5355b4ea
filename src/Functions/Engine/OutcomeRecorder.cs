using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Calls;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Engine;

/// <summary>What became of a reported result.</summary>
internal enum RecordResult { Recorded, Duplicate, UnknownAttempt }

/// <summary>
/// Records the results of call attempts. The contact (its attempt's outcome, then resolved or waiting for a retry in
/// the due index) and the shard's results row change in one transaction, guarded by the ETags read.
/// Idempotent: an attempt that already has a result keeps its first one (<see cref="CallResults"/>), so a duplicate
/// delivery (queue redelivery, a provider retrying its callback) changes nothing.
/// Results for the same shard that arrive together are committed together (group commit): one transaction for up to
/// <see cref="MaxRows"/> rows, with the rows this instance wrote last taken from <see cref="RecentRows"/> instead
/// of being read again.
/// </summary>
internal sealed partial class OutcomeRecorder(
    ShardStore shards, ContactStore contacts, RecentRows recent, EngineQueues queues, AgentPools pools, Hosting.CampaignTelemetry telemetry,
    TimeProvider time, ILogger<OutcomeRecorder> log)
{
    private const int MaxRaces = 20;
    private const int MaxRows = 98; // Table Storage's 100 rows a transaction, less the results row and the outbox row
    private const RecordResult Later = (RecordResult)(-1);

    private sealed record Pending(AttemptId Attempt, CallOutcome Outcome, string? Disposition, int? DurationSeconds, TaskCompletionSource<RecordResult> Done);

    private readonly ConcurrentDictionary<string, ConcurrentQueue<Pending>> _queues = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _flushing = new();

    public async Task<RecordResult> RecordAsync(AttemptId attempt, CallOutcome outcome, string? disposition, int? durationSeconds, CancellationToken cancellationToken)
    {
        var partition = ContactSharding.PartitionKey(attempt.CampaignId, attempt.Shard);
        var pending = new Pending(attempt, outcome, disposition, durationSeconds, new TaskCompletionSource<RecordResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queues.GetOrAdd(partition, _ => new ConcurrentQueue<Pending>()).Enqueue(pending);
        var gate = _flushing.GetOrAdd(partition, _ => new SemaphoreSlim(1, 1));
        while (!pending.Done.Task.IsCompleted)
        {
            if (!await gate.WaitAsync(TimeSpan.FromMilliseconds(20), cancellationToken))
                continue; // another caller is committing this shard's group, which may include ours
            try
            {
                if (!pending.Done.Task.IsCompleted)
                    await FlushAsync(partition, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }
        var result = await pending.Done.Task;

        if (result == RecordResult.Recorded && recent.AccountOf(partition) is { } account)
        {
            await pools.EndedAsync(account, attempt, outcome, disposition, cancellationToken); // frees its agent slot, if it had one
            await queues.WakeSoonAsync(account, attempt.CampaignId, "call ended", cancellationToken);
        }
        return result;
    }

    private async Task FlushAsync(string partition, CancellationToken cancellationToken)
    {
        var queue = _queues[partition];
        await Task.Yield(); // results placed in the same moment join this group
        var group = new List<Pending>();
        while (group.Count < MaxRows && queue.TryDequeue(out var next))
            group.Add(next);
        if (group.Count == 0)
            return;
        try
        {
            for (var race = 1; ; race++)
            {
                var decided = await DecideAsync(partition, group, cancellationToken);
                try
                {
                    var etags = await shards.SubmitAsync(decided.Actions, cancellationToken);
                    Remember(decided, etags);
                    telemetry.CallsConnected(group.Where((p, i) => decided.Results[i] == RecordResult.Recorded && p.Outcome == CallOutcome.Answered).Count());
                }
                catch (ConcurrencyConflictException) when (race < MaxRaces)
                {
                    // Another instance changed one of these rows: forget what we knew, read again and decide again.
                    recent.ForgetResults(partition);
                    foreach (var pending in group)
                        recent.Forget(partition, pending.Attempt.E164);
                    continue;
                }
                for (var i = 0; i < group.Count; i++)
                {
                    if (decided.Results[i] == Later)
                        queue.Enqueue(group[i]);
                    else
                        group[i].Done.TrySetResult(decided.Results[i]);
                }
                return;
            }
        }
        catch (Exception ex)
        {
            foreach (var pending in group)
                pending.Done.TrySetException(ex);
        }
    }

    private sealed record Decided(RecordResult[] Results, List<TableTransactionAction> Actions, List<StoredContact?> Written, ShardResults? NewResults);

    /// <summary>Keeps the rows just written, with their new ETags, for the next results of the same contacts and shard.</summary>
    private void Remember(Decided decided, IReadOnlyList<ETag?> etags)
    {
        for (var i = 0; i < decided.Actions.Count; i++)
        {
            if (etags.Count <= i || etags[i] is not { } etag)
                continue;
            if (decided.Written[i] is { } contact)
                recent.Put(contact with { ETag = etag });
            else if (decided.Actions[i].Entity.RowKey == ShardRows.ResultsKey && decided.NewResults is { } results)
                recent.Put(results with { ETag = etag });
        }
    }

    private async Task<Decided> DecideAsync(string partition, List<Pending> group, CancellationToken cancellationToken)
    {
        var results = new RecordResult[group.Count];
        var actions = new List<TableTransactionAction>();
        var written = new List<StoredContact?>(); // beside each action: the contact it writes, if any
        void Write(TableTransactionAction action, StoredContact? contact = null)
        {
            actions.Add(action);
            written.Add(contact);
        }
        var settings = recent.Settings(partition);
        if (settings is null && await shards.ReadStateAsync(partition, cancellationToken) is { } state)
            recent.Put(partition, settings = state.Settings);
        if (settings is null)
        {
            Array.Fill(results, RecordResult.UnknownAttempt);
            return new Decided(results, actions, written, null);
        }
        var original = recent.Results(partition) ?? await shards.ReadResultsAsync(partition, cancellationToken) ?? ShardResults.New(partition);
        var counts = original;

        var rows = new Dictionary<string, StoredContact>();
        var toRead = new List<string>();
        foreach (var pending in group)
        {
            if (recent.Contact(partition, pending.Attempt.E164) is { } cached && cached.State.Attempts >= pending.Attempt.Number)
                rows[pending.Attempt.E164] = cached;
            else
                toRead.Add(pending.Attempt.E164);
        }
        if (toRead.Count > 0)
        {
            foreach (var (phone, contact) in await contacts.GetManyAsync(partition, toRead, cancellationToken))
                rows[phone] = contact;
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var touched = new HashSet<string>();
        var events = new List<OutboxEvent>();
        for (var i = 0; i < group.Count; i++)
        {
            var (attempt, outcome, disposition, duration, _) = group[i];
            if (!rows.TryGetValue(attempt.E164, out var stored))
            {
                results[i] = RecordResult.UnknownAttempt;
                continue;
            }
            if (!touched.Add(attempt.E164))
            {
                results[i] = Later; // another result for this contact is in this group: this one goes in the next round
                continue;
            }
            switch (CallResults.Apply(stored.State, attempt.Number, outcome, disposition, duration, settings.Retry, now))
            {
                case ResultEffect.UnknownAttempt:
                    results[i] = RecordResult.UnknownAttempt;
                    continue;
                case ResultEffect.Duplicate:
                    results[i] = RecordResult.Duplicate;
                    continue;
                case ResultEffect.Recorded recorded:
                {
                    // The contact and a retry's due rows (its events go into the transaction's one outbox row).
                    var rowsNeeded = 1 + (recorded.Decision is RetryDecision.RetryAt ? 1 + (stored.DueKey is null ? 0 : 1) : 0);
                    if (actions.Count + rowsNeeded > MaxRows)
                    {
                        results[i] = Later; // the transaction is full: next round
                        continue;
                    }
                    results[i] = RecordResult.Recorded;
                    counts = counts with
                    {
                        CallsEnded = counts.CallsEnded + 1,
                        CallsConnected = counts.CallsConnected + (outcome == CallOutcome.Answered ? 1 : 0),
                    };
                    var dueKey = stored.DueKey;
                    events.Add(OutboxEvent.CallCompleted(settings.AccountId, attempt, outcome, disposition, duration,
                        stored.State.AttemptNumbered(attempt.Number)?.StartedAt, now));
                    switch (recorded.Decision)
                    {
                        case null:
                            LogLateResult(attempt.ForLogs, outcome.ToWire());
                            break;
                        case RetryDecision.Resolve resolve:
                            counts = counts.WithDisposition(resolve.Disposition);
                            events.Add(OutboxEvent.ContactResolved(
                                settings.AccountId, attempt.CampaignId, attempt.E164, resolve.Disposition, recorded.Contact.Attempts, now));
                            break;
                        case RetryDecision.RetryAt retry:
                            if (dueKey is not null)
                                Write(new(TableTransactionActionType.Delete, new TableEntity(partition, dueKey), ETag.All));
                            dueKey = ShardRows.DueKey(retry.At, attempt.E164);
                            Write(new(TableTransactionActionType.Add, ShardRows.DueEntity(partition, retry.At, attempt.E164)));
                            break;
                    }
                    var updated = stored with { State = recorded.Contact, DueKey = dueKey };
                    Write(ContactStore.Update(partition, updated.State, dueKey, stored.ETag), updated);
                    break;
                }
            }
        }
        if (events.Count > 0)
            Write(OutboxRows.InShardPartition(partition, events));
        if (counts != original)
        {
            Write(original.ETag == default
                ? new(TableTransactionActionType.Add, ShardRows.ToEntity(counts))
                : new(TableTransactionActionType.UpdateReplace, ShardRows.ToEntity(counts), original.ETag));
        }
        return new Decided(results, actions, written, counts);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Late result {Outcome} for attempt {Attempt} kept on the attempt only: the contact had moved on")]
    private partial void LogLateResult(string attempt, string outcome);
}
