namespace Campaigns.Functions.Integration.Events;

/// <summary>Settings of the outbox relay and event delivery (section <c>Events</c>).</summary>
public sealed class EventsOptions
{
    /// <summary>
    /// How old an outbox row must be before the relay appends it (seconds). Rows of one campaign live in several
    /// partitions; waiting this long means that whatever caused an event (committed before it on any instance's clock,
    /// within this skew) has been committed and is seen in the same pass, so events leave in causal order.
    /// </summary>
    public double SettleSeconds { get; set; } = 1;

    /// <summary>
    /// How long a writer reuses its own mark of a partition in the campaign's outbox index (seconds) before writing it
    /// again; a relay clears a mark of an emptied partition only once it is older than this plus
    /// <see cref="SettleSeconds"/>. Longer: fewer mark writes while a shard is busy; shorter: fewer partitions read per
    /// relay pass while events are sparse. See <see cref="Storage.OutboxIndex"/>.
    /// </summary>
    public double MarkReuseSeconds { get; set; } = 2;

    /// <summary>
    /// Most events one relay pass reads. A pass sorts everything pending across the campaign's partitions, so the
    /// order holds only when it sees all of it; past this (a backlog of a stalled relay) it appends what it read, in time
    /// order, and logs that a campaign's order may be broken at that point. Memory: about 1 KB a row.
    /// </summary>
    public int RelayBatch { get; set; } = 50_000;

    /// <summary>Most events one send to the broker carries (sent pipelined on one link).</summary>
    public int BrokerBatch { get; set; } = 2_000;

    /// <summary>The longest wait between retries while the broker is down (it is retried for ever: nothing is dropped).</summary>
    public int BrokerRetryMaxSeconds { get; set; } = 60;

    /// <summary>
    /// How often the minute sweep looks at each active campaign's deliveries (minutes, 1 to 60): each campaign has one
    /// minute of every this many (<see cref="DeliverySweep"/>). The sweep is a repair path only (a delivery or retry whose
    /// queue message was lost); the outbox index's campaigns are relayed every minute whatever this says. Shorter: a lost
    /// delivery resumes sooner; longer: an idle campaign costs fewer storage requests (about 3 a look).
    /// </summary>
    public int DeliverySweepMinutes { get; set; } = 15;

    /// <summary>How long a relay or deliverer holds its stream (seconds) before another instance may take over.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>
    /// The longest a relay or retry message waits on the queue (seconds). A message that arrives before its time looks
    /// at the clock and waits again, so a smaller value only costs messages (tests use 1 to follow a fake clock).
    /// </summary>
    public int MaxDelaySeconds { get; set; } = 7 * 24 * 3600 - 1;
}
