using Campaigns.Testing.ServiceBus;

/// <summary>
/// The Service Bus the benchmarks with events publish to: the test broker (tests/ServiceBusTestBroker) in a process of
/// its own, started at first use and ended with this program (each benchmark of bench.sh runs in a program of its
/// own, so each gets a fresh broker). The app talks to it through the unchanged Azure.Messaging.ServiceBus SDK, as to
/// a namespace. Topics <c>bench-events-1</c> to <c>-8</c> each have a subscription <c>tap</c> (one per
/// <see cref="EventTap"/>, so two taps never share one); <c>bench-sink-1</c> to <c>-6</c> have none: what is sent
/// there is accepted and dropped, as Service Bus does, for throughput runs that read nothing back.
/// </summary>
internal static class BenchBroker
{
    public const string Subscription = "tap";
    private static readonly Lazy<ServiceBusTestBrokerProcess> Process = new(Start);
    private static int _topics;
    private static int _sinks;

    public static string ConnectionString => Process.Value.ConnectionString;

    public static int ProcessId => Process.Value.ProcessId;

    /// <summary>The next topic with a <see cref="Subscription"/> of its own.</summary>
    public static string NextTappedTopic() => $"bench-events-{Next(ref _topics, 8)}";

    /// <summary>The next topic without subscriptions.</summary>
    public static string NextSink() => $"bench-sink-{Next(ref _sinks, 6)}";

    private static int Next(ref int counter, int max)
    {
        var n = Interlocked.Increment(ref counter);
        return n <= max ? n : throw new InvalidOperationException($"The benchmark broker declares {max} such topics; this run asked for more.");
    }

    private static ServiceBusTestBrokerProcess Start()
    {
        var arguments = new List<string>();
        for (var i = 1; i <= 8; i++)
            arguments.AddRange(["--topic", $"bench-events-{i}:{Subscription}", "--duplicate-detection", $"bench-events-{i}"]);
        for (var i = 1; i <= 6; i++)
            arguments.AddRange(["--topic", $"bench-sink-{i}", "--duplicate-detection", $"bench-sink-{i}"]);
        var process = ServiceBusTestBrokerProcess.StartAsync([.. arguments]).GetAwaiter().GetResult();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => process.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return process;
    }
}
