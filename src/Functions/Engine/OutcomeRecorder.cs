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
/// Records the result of one call attempt: the attempt row, the contact (resolved, or pending with its retry in the
/// due index) and the shard's counters change in one transaction, guarded by the ETags read.
/// Idempotent: an attempt that already has a result keeps its first one, so a duplicate delivery (queue redelivery,
/// a provider retrying its callback) changes nothing.
/// </summary>
internal sealed partial class OutcomeRecorder(ContactStore contacts, ShardStore shards, EngineQueues queues, TimeProvider time, ILogger<OutcomeRecorder> log)
{
    private const int MaxRaces = 20;

    public async Task<RecordResult> RecordAsync(AttemptId attempt, CallOutcome outcome, string? disposition, int? durationSeconds, CancellationToken cancellationToken)
    {
        var partition = ContactSharding.PartitionKey(attempt.CampaignId, attempt.Shard);
        for (var race = 1; ; race++)
        {
            var attemptRowTask = shards.ReadAttemptAsync(partition, attempt.E164, attempt.Number, cancellationToken);
            var stateTask = shards.ReadStateAsync(partition, cancellationToken);
            var contactTask = contacts.GetManyAsync(partition, [attempt.E164], cancellationToken);
            var attemptRow = await attemptRowTask;
            var state = await stateTask;
            var contact = (await contactTask).GetValueOrDefault(attempt.E164);
            if (attemptRow is null || state is null || contact is null)
                return RecordResult.UnknownAttempt;
            if (attemptRow.Outcome is not null)
                return RecordResult.Duplicate;

            var now = Instant.FromDateTimeOffset(time.GetUtcNow());
            var ended = attemptRow with { Outcome = outcome.ToWire(), Disposition = disposition, EndedAt = now, DurationSeconds = durationSeconds };
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateReplace, ShardRows.ToEntity(ended), attemptRow.ETag),
            };

            // The contact moves on only if this is its current attempt; a result that comes after the attempt timed out
            // (and the contact went on) is kept on its attempt row for reporting, and changes nothing else.
            var current = contact.State.Status == ContactStatus.Dialing && contact.State.Attempts == attempt.Number;
            if (current)
            {
                var decision = RetryPolicy.Decide(outcome, disposition, attempt.Number, state.Settings.MaxAttempts,
                    state.Settings.RetryIntervalMinutes, now, state.Settings.ScheduleEnd);
                var newState = state with { InProgress = Math.Max(0, state.InProgress - 1) };
                if (outcome == CallOutcome.Answered)
                    newState = newState with { CallsConnected = newState.CallsConnected + 1 };
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
                        newState = newState.WithDisposition(resolve.Disposition);
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
                actions.Add(new(TableTransactionActionType.UpdateReplace, ShardRows.ToEntity(newState), state.ETag));
            }
            try
            {
                await shards.SubmitAsync(actions, cancellationToken);
            }
            catch (ConcurrencyConflictException) when (race < MaxRaces)
            {
                continue; // another result or the engine changed one of these rows: read again and decide again
            }
            if (!current)
                LogLateResult(attempt.ToString(), outcome.ToWire());
            await queues.NudgeAsync(state.Settings.AccountId, attempt.CampaignId, cancellationToken);
            return RecordResult.Recorded;
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Late result {Outcome} for attempt {Attempt} kept on the attempt only: the contact had moved on")]
    private partial void LogLateResult(string attempt, string outcome);
}
