using Campaigns.LocalHost.Configuration;
using Campaigns.LocalHost.Invocation;

namespace Campaigns.LocalHost.Triggers.Queues;

/// <summary>What to do with a received queue message: the Functions host's rules, as one pure decision.</summary>
public abstract record QueueSettlement
{
    /// <summary>Done: delete it.</summary>
    public sealed record Delete : QueueSettlement;

    /// <summary>Try again later: make it visible after <paramref name="Delay"/> (its dequeue count grows on the next receive).</summary>
    public sealed record Release(TimeSpan Delay) : QueueSettlement;

    /// <summary>Tried <c>maxDequeueCount</c> times: copy it to <c>{queue}-poison</c> and delete it.</summary>
    public sealed record Poison : QueueSettlement;

    /// <summary>Before invoking: a message received more often than allowed (its host died mid-try) is not run again.</summary>
    public static QueueSettlement? BeforeInvoking(long dequeueCount, QueueSettings settings) =>
        dequeueCount > settings.MaxDequeueCount ? new Poison() : null;

    /// <summary>
    /// After the invocation: success deletes; a try the host refused to start (it is stopping) goes back at once and
    /// does not count against the message; a failure, timeout or cancellation is released after host.json
    /// <c>visibilityTimeout</c>, or poisoned when this was the last allowed try.
    /// </summary>
    public static QueueSettlement After(InvocationStatus status, long dequeueCount, QueueSettings settings) => status switch
    {
        InvocationStatus.Succeeded => new Delete(),
        InvocationStatus.Rejected => new Release(TimeSpan.Zero),
        _ when dequeueCount >= settings.MaxDequeueCount => new Poison(),
        _ => new Release(settings.VisibilityTimeout),
    };

    /// <summary>The pause before the next poll: from 100 ms, doubled after each empty poll up to maxPollingInterval; a message resets it.</summary>
    public static TimeSpan NextPollDelay(TimeSpan current, bool foundMessages, QueueSettings settings) =>
        foundMessages ? QueueSettings.MinPollingInterval : TimeSpan.FromTicks(Math.Min(current.Ticks * 2, settings.MaxPollingInterval.Ticks));
}
