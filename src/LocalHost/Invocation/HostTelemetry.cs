using System.Diagnostics;

namespace Campaigns.LocalHost.Invocation;

/// <summary>
/// The local host's spans: one per invocation (<c>Invoke {function}</c>), on the <c>Campaigns.LocalHost</c> activity
/// source, the parent of the worker's own invocation span as the Functions host's span is in Azure. The program
/// (./run.sh) listens to it, so every invocation has one and its trace id is in the host's log line; in tests a
/// listener of the test's own sees both sides.
/// </summary>
public static class HostTelemetry
{
    public const string SourceName = "Campaigns.LocalHost";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>Makes the host's spans exist in this process (they are only created when someone listens).</summary>
    public static ActivityListener Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
