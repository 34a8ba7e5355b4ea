using NodaTime;

namespace Campaigns.Domain.Calls;

/// <summary>What to do with a contact after an attempt ended.</summary>
public abstract record RetryDecision
{
    /// <summary>The contact is done, with this final disposition.</summary>
    public sealed record Resolve(string Disposition) : RetryDecision;

    /// <summary>Try again, not before <paramref name="At"/>.</summary>
    public sealed record RetryAt(Instant At) : RetryDecision;
}

/// <summary>
/// The retry rule of seed 000, as one pure function: an answered call resolves the contact with the agent's
/// disposition; an unanswered one (no answer, busy, failed, voicemail) is retried after
/// <c>retry_interval_minutes</c> until <c>max_attempts</c>, then resolved as <c>not_reachable</c>. A retry that could
/// only happen at or after the schedule's end is not planned: the contact is resolved as <c>not_reachable</c> at once.
/// </summary>
public static class RetryPolicy
{
    public static RetryDecision Decide(
        CallOutcome outcome, string? agentDisposition, int attemptNumber, int maxAttempts, int retryIntervalMinutes,
        Instant now, Instant? scheduleEnd)
    {
        if (outcome == CallOutcome.Answered)
            return new RetryDecision.Resolve(string.IsNullOrWhiteSpace(agentDisposition) ? Dispositions.Completed : agentDisposition);
        if (attemptNumber >= maxAttempts)
            return new RetryDecision.Resolve(Dispositions.NotReachable);
        var next = now + Duration.FromMinutes(retryIntervalMinutes);
        if (scheduleEnd is { } end && next >= end)
            return new RetryDecision.Resolve(Dispositions.NotReachable);
        return new RetryDecision.RetryAt(next);
    }
}
