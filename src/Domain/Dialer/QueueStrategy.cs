namespace Campaigns.Domain.Dialer;

/// <summary>
/// How an answered call is given to one of the campaign's agent slots (<c>queue_strategy</c>). The names are
/// FreeSWITCH mod_callcenter's strategies, which the seed's API inherits; what each means for a pool of AI agent
/// slots is decided in <see cref="AgentPool.PickSlot"/>.
/// </summary>
public enum QueueStrategy
{
    /// <summary><c>ring-all</c>: ring every free agent; the first to pick up wins.</summary>
    RingAll,
    /// <summary><c>longest-idle-agent</c> (the default): the free agent idle the longest.</summary>
    LongestIdleAgent,
    /// <summary><c>round-robin</c>: the next free agent after the one that took the last call.</summary>
    RoundRobin,
    /// <summary><c>top-down</c>: always the first free agent in order.</summary>
    TopDown,
    /// <summary><c>agent-with-least-talk-time</c>: the free agent with the least total talk time.</summary>
    AgentWithLeastTalkTime,
    /// <summary><c>agent-with-fewest-calls</c>: the free agent that took the fewest calls.</summary>
    AgentWithFewestCalls,
    /// <summary><c>sequentially-by-agent-order</c>: the first free agent by its order (tier position).</summary>
    SequentiallyByAgentOrder,
    /// <summary><c>random</c>: any free agent.</summary>
    Random,
    /// <summary><c>ring-progressively</c>: ring agents one more at a time until one answers.</summary>
    RingProgressively,
}

/// <summary>Wire names of <see cref="QueueStrategy"/>, exactly as mod_callcenter spells them.</summary>
public static class QueueStrategyNames
{
    private static readonly (QueueStrategy Strategy, string Wire)[] Names =
    [
        (QueueStrategy.RingAll, "ring-all"),
        (QueueStrategy.LongestIdleAgent, "longest-idle-agent"),
        (QueueStrategy.RoundRobin, "round-robin"),
        (QueueStrategy.TopDown, "top-down"),
        (QueueStrategy.AgentWithLeastTalkTime, "agent-with-least-talk-time"),
        (QueueStrategy.AgentWithFewestCalls, "agent-with-fewest-calls"),
        (QueueStrategy.SequentiallyByAgentOrder, "sequentially-by-agent-order"),
        (QueueStrategy.Random, "random"),
        (QueueStrategy.RingProgressively, "ring-progressively"),
    ];

    /// <summary>Every wire name, in the order messages list them.</summary>
    public static IReadOnlyList<string> All { get; } = Names.Select(n => n.Wire).ToArray();

    public static string ToWire(this QueueStrategy strategy)
    {
        foreach (var (s, wire) in Names)
        {
            if (s == strategy)
                return wire;
        }
        throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null);
    }

    /// <summary>
    /// The strategy named <paramref name="wire"/>. Matching is exact (lower-case, hyphens): the names are
    /// identifiers, and accepting "Round Robin" would invite a second spelling into stored settings.
    /// </summary>
    public static bool TryParse(string? wire, out QueueStrategy strategy)
    {
        foreach (var (s, name) in Names)
        {
            if (string.Equals(name, wire, StringComparison.Ordinal))
            {
                strategy = s;
                return true;
            }
        }
        strategy = default;
        return false;
    }
}
