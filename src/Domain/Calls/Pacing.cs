namespace Campaigns.Domain.Calls;

/// <summary>How many calls may start now: never more than the cap on calls in progress allows.</summary>
public static class Pacing
{
    public static int Available(int maxCallsInProgress, int callsInProgress) => Math.Max(0, maxCallsInProgress - Math.Max(0, callsInProgress));
}
