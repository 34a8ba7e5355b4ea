using NodaTime;

namespace Campaigns.Domain.Webhooks;

/// <summary>
/// The retry rule of a failing webhook delivery, as one pure function.
/// <para>
/// When attempt <c>n</c> (1-based) fails at <c>now</c>, the next attempt is due at <c>now + 30 s × 2^(n-1)</c>, the
/// delay capped at 1 hour: 30 s, 1 min, 2 min, 4 min, 8 min, 16 min, 32 min, then 1 h for attempt 8 and every later
/// one. An event is retried for 24 hours after its first attempt: a next attempt that would fall after
/// <c>firstAttemptAt + 24 h</c> is not planned (the deadline itself is inclusive) and the delivery is given up.
/// </para>
/// <para>
/// With every attempt made on time, attempts start at 0:00:00, 0:00:30, 0:01:30, 0:03:30, 0:07:30, 0:15:30, 0:31:30,
/// 1:03:30 and then hourly, 2:03:30 ... 23:03:30 (the 30th attempt); when that one fails the next would be 24:03:30,
/// past the deadline, so a delivery that never succeeds is given up after 30 attempts. Attempts that run late (a busy
/// sender) get fewer, because the deadline counts from the first attempt, not from the schedule.
/// </para>
/// </summary>
public static class WebhookBackoff
{
    /// <summary>The delay after the first failure.</summary>
    public static readonly Duration FirstDelay = Duration.FromSeconds(30);

    /// <summary>The longest delay between two attempts.</summary>
    public static readonly Duration MaxDelay = Duration.FromHours(1);

    /// <summary>How long after its first attempt an event is still retried (inclusive).</summary>
    public static readonly Duration GiveUpAfter = Duration.FromHours(24);

    /// <summary>The delay after the <paramref name="failedAttempts"/>-th failed attempt: 30 s × 2^(n-1), at most 1 hour.</summary>
    public static Duration DelayAfter(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        // 30 s × 2^7 = 64 min already passes the cap; larger exponents would only overflow.
        if (failedAttempts > 7)
            return MaxDelay;
        var delay = FirstDelay * (1L << (failedAttempts - 1));
        return delay > MaxDelay ? MaxDelay : delay;
    }

    /// <summary>
    /// When to try again after <paramref name="failedAttempts"/> attempts have failed (the last one at
    /// <paramref name="now"/>), or null to give up: the next attempt would come more than 24 hours after
    /// <paramref name="firstAttemptAt"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="failedAttempts"/> is less than 1, or
    /// <paramref name="now"/> is before <paramref name="firstAttemptAt"/>.</exception>
    public static Instant? NextAttemptAt(int failedAttempts, Instant firstAttemptAt, Instant now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        if (now < firstAttemptAt)
            throw new ArgumentOutOfRangeException(nameof(now), now, "The failed attempt cannot be earlier than the first attempt.");
        var next = now + DelayAfter(failedAttempts);
        return next <= firstAttemptAt + GiveUpAfter ? next : null;
    }
}
