using Campaigns.Domain.Contacts;
using NodaTime;

namespace Campaigns.Domain.Calls;

/// <summary>The campaign settings that decide what follows an attempt.</summary>
public sealed record RetrySettings(int MaxAttempts, int RetryIntervalMinutes, Instant? ScheduleEnd);

/// <summary>What a reported result does to a contact.</summary>
public abstract record ResultEffect
{
    /// <summary>No such attempt was started: nothing changes.</summary>
    public sealed record UnknownAttempt : ResultEffect;

    /// <summary>The attempt already has its result (a redelivery, a provider retrying its callback): nothing changes.</summary>
    public sealed record Duplicate : ResultEffect;

    /// <summary>
    /// The result is recorded. <paramref name="Decision"/> is null when the attempt was no longer the contact's current
    /// one (it had timed out and the contact moved on): the result is kept on the attempt only.
    /// </summary>
    public sealed record Recorded(ContactState Contact, RetryDecision? Decision) : ResultEffect;
}

/// <summary>
/// Records the result of one attempt on its contact, as one pure function: the attempt gets its outcome; if it is the
/// contact's current attempt, <see cref="RetryPolicy"/> decides whether the contact is resolved or waits for a retry.
/// Idempotent by construction: an attempt that has a result keeps its first one.
/// </summary>
public static class CallResults
{
    public static ResultEffect Apply(ContactState contact, int attemptNumber, CallOutcome outcome, string? disposition,
        int? durationSeconds, RetrySettings settings, Instant now)
    {
        if (contact.AttemptNumbered(attemptNumber) is not { } attempt)
            return new ResultEffect.UnknownAttempt();
        if (attempt.HasResult)
            return new ResultEffect.Duplicate();

        var ended = attempt with { Outcome = outcome.ToWire(), Disposition = disposition, EndedAt = now, DurationSeconds = durationSeconds };
        var history = contact.History.ToArray();
        history[attemptNumber - 1] = ended;
        var withResult = contact with { History = history };
        if (contact.Status != ContactStatus.Dialing || contact.Attempts != attemptNumber)
            return new ResultEffect.Recorded(withResult, null);

        var decision = RetryPolicy.Decide(outcome, disposition, attemptNumber, settings.MaxAttempts, settings.RetryIntervalMinutes, now, settings.ScheduleEnd);
        var updated = decision switch
        {
            RetryDecision.Resolve resolve => withResult with
            {
                Status = ContactStatus.Resolved, LastDisposition = resolve.Disposition, LastOutcome = outcome.ToWire(),
                NextAttemptAt = null, WaitReason = null,
            },
            RetryDecision.RetryAt retry => withResult with
            {
                Status = ContactStatus.Pending, LastDisposition = outcome.ToWire(), LastOutcome = outcome.ToWire(),
                NextAttemptAt = retry.At, WaitReason = "retry_pending",
            },
            _ => throw new InvalidOperationException($"Unknown decision {decision}"),
        };
        return new ResultEffect.Recorded(updated, decision);
    }
}
