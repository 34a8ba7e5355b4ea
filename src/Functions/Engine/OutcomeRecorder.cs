using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Contacts;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Engine;

/// <summary>What became of a reported result.</summary>
internal enum RecordResult { Recorded, Duplicate, UnknownAttempt }

/// <summary>
/// Records the results of call attempts: the attempt row, the contact (resolved, or pending with its retry in the
/// due index) and the shard's counters change in one transaction, guarded by the ETags read.
/// Idempotent: an attempt that already has a result keeps its first one, so a duplicate delivery (queue redelivery,
/// a provider retrying its callback) changes nothing.
/// Results for the same shard that arrive together are committed together (group commit): one read and one
/// transaction for up to <see cref="MaxGroup"/> results, instead of each racing the others for the shard's row.
/// </summary>
internal sealed partial class OutcomeRecorder(ShardStore shards, EngineQueues queues, TimeProvider time, ILogger<OutcomeRecorder> log)
{
    private const int MaxRaces = 20;
    private const int MaxGroup = 20; // 4 rows each + the shard row: within the 100-row transaction limit
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
        if (result == RecordResult.Recorded)
            await queues.NudgeSoonAsync(await AccountOfAsync(partition, cancellationToken), attempt.CampaignId, cancellationToken);
        return result;
    }

    private readonly ConcurrentDictionary<string, string> _accounts = new();

    private async Task<string> AccountOfAsync(string partition, CancellationToken cancellationToken) =>
        _accounts.TryGetValue(partition, out var account) ? account
            : _accounts[partition] = (await shards.ReadStateAsync(partition, cancellationToken))?.Settings.AccountId ?? "";

    private async Task FlushAsync(string partition, CancellationToken cancellationToken)
    {
        var queue = _queues[partition];
        var group = new List<Pending>();
        while (group.Count < MaxGroup && queue.TryDequeue(out var next))
            group.Add(next);
        if (group.Count == 0)
            return;
        try
        {
            for (var race = 1; ; race++)
            {
                var (results, actions, accountId) = await DecideAsync(partition, group, cancellationToken);
                if (accountId is not null)
                    _accounts[partition] = accountId;
                try
                {
                    await shards.SubmitAsync(actions, cancellationToken);
                }
                catch (ConcurrencyConflictException) when (race < MaxRaces)
                {
                    continue; // the engine or another host changed one of these rows: read again and decide again
                }
                for (var i = 0; i < group.Count; i++)
                {
                    if (results[i] == Later)
                        queue.Enqueue(group[i]);
                    else
                        group[i].Done.TrySetResult(results[i]);
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

    private async Task<(RecordResult[] Results, List<TableTransactionAction> Actions, string? AccountId)> DecideAsync(
        string partition, List<Pending> group, CancellationToken cancellationToken)
    {
        var rows = await shards.ReadForOutcomesAsync(partition, group.Select(p => (p.Attempt.E164, p.Attempt.Number)).ToList(), cancellationToken);
        var results = new RecordResult[group.Count];
        var actions = new List<TableTransactionAction>();
        if (rows.State is not { } state)
        {
            Array.Fill(results, RecordResult.UnknownAttempt);
            return (results, actions, null);
        }
        var original = state;
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var touched = new HashSet<string>();
        for (var i = 0; i < group.Count; i++)
        {
            var (attempt, outcome, disposition, duration, _) = group[i];
            var attemptRow = rows.Attempts.GetValueOrDefault((attempt.E164, attempt.Number));
            var contact = rows.Contacts.GetValueOrDefault(attempt.E164);
            if (attemptRow is null || contact is null)
            {
                results[i] = RecordResult.UnknownAttempt;
                continue;
            }
            if (attemptRow.Outcome is not null || !touched.Add(attempt.ToString()))
            {
                results[i] = RecordResult.Duplicate;
                continue;
            }
            if (touched.Contains(attempt.E164))
            {
                results[i] = Later; // another attempt of this contact is in this group: this one goes in the next round
                continue;
            }
            touched.Add(attempt.E164);
            results[i] = RecordResult.Recorded;
            actions.Add(new(TableTransactionActionType.UpdateReplace,
                ShardRows.ToEntity(attemptRow with { Outcome = outcome.ToWire(), Disposition = disposition, EndedAt = now, DurationSeconds = duration }), attemptRow.ETag));

            // The contact moves on only if this is its current attempt; a result that comes after the attempt timed out
            // (and the contact went on) is kept on its attempt row for reporting, and changes nothing else.
            if (contact.State.Status != ContactStatus.Dialing || contact.State.Attempts != attempt.Number)
            {
                LogLateResult(attempt.ToString(), outcome.ToWire());
                continue;
            }
            var decision = RetryPolicy.Decide(outcome, disposition, attempt.Number, state.Settings.MaxAttempts,
                state.Settings.RetryIntervalMinutes, now, state.Settings.ScheduleEnd);
            state = state with { InProgress = Math.Max(0, state.InProgress - 1) };
            if (outcome == CallOutcome.Answered)
                state = state with { CallsConnected = state.CallsConnected + 1 };
            ContactState updated;
            string? dueKey = null;
            switch (decision)
            {
                case RetryDecision.Resolve resolve:
                    updated = contact.State with
                    {
                        Status = ContactStatus.Resolved, LastDisposition = resolve.Disposition, LastOutcome = outcome.ToWire(),
                        NextAttemptAt = null, WaitReason = null,
                    };
                    state = state.WithDisposition(resolve.Disposition);
                    break;
                case RetryDecision.RetryAt retry:
                    updated = contact.State with
                    {
                        Status = ContactStatus.Pending, LastDisposition = outcome.ToWire(), LastOutcome = outcome.ToWire(),
                        NextAttemptAt = retry.At, WaitReason = "retry_pending",
                    };
                    dueKey = ShardRows.DueKey(retry.At, attempt.E164);
                    actions.Add(new(TableTransactionActionType.Add, ShardRows.DueEntity(partition, retry.At, attempt.E164)));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown decision {decision}");
            }
            actions.Add(new(TableTransactionActionType.UpdateReplace, ContactStore.ToEntity(partition, updated, dueKey), contact.ETag));
            if (contact.DueKey is not null)
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(partition, contact.DueKey), ETag.All));
        }
        if (state != original)
            actions.Add(new(TableTransactionActionType.UpdateReplace, ShardRows.ToEntity(state), original.ETag));
        return (results, actions, state.Settings.AccountId);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Late result {Outcome} for attempt {Attempt} kept on the attempt only: the contact had moved on")]
    private partial void LogLateResult(string attempt, string outcome);
}
