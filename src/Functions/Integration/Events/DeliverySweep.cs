using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// Which active campaigns the minute sweep looks at. Deliveries normally go on by their own queue messages (a relay
/// pass delivers what it appended; a failing destination schedules its retry), so the sweep over active campaigns is
/// only a repair for a message lost in a crash. Looking at every active campaign every minute cost about 180 storage
/// requests per sleeping campaign-hour (`bench.sh idle`); instead each campaign has one minute in every
/// <c>everyMinutes</c>, by a stable hash of its id, so the sweep's load is spread evenly over the minutes and a lost
/// delivery resumes within that many minutes.
/// </summary>
internal static class DeliverySweep
{
    /// <summary>True in exactly one minute of every <paramref name="everyMinutes"/> (clamped to 1..60) for a given campaign.</summary>
    public static bool IsDue(string campaignId, Instant now, int everyMinutes)
    {
        var every = (uint)Math.Clamp(everyMinutes, 1, 60);
        var minute = (ulong)(now.ToUnixTimeTicks() / NodaConstants.TicksPerMinute);
        return ContactSharding.Hash(campaignId) % every == minute % every;
    }
}
