using System.Diagnostics;
using Amqp;
using Amqp.Framing;
using Campaigns.Functions.Integration.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// The AMQP baseline for the event publisher: <paramref name="count"/> messages of the publisher's shape (same
/// properties, annotations and Data body, <see cref="AmqpEventPublisher.ToMessage"/>) sent pipelined on one AMQPNetLite
/// link with at most <c>window</c> unsettled, every outcome awaited. <see cref="PublisherAsync"/> sends the same through
/// <see cref="AmqpEventPublisher"/>, so the two figures can stand side by side.
/// </summary>
internal static class RawAmqpSend
{
    /// <param name="address">An <c>amqp://user:pass@host:port</c> URL (e.g. RABBITMQ_AMQP_URL from scripts/lib.sh's start_rabbitmq).</param>
    /// <param name="target">The target address, e.g. <c>/queue/bench</c> on RabbitMQ.</param>
    public static async Task<(TimeSpan Elapsed, double MessagesPerSecond)> RunAsync(string address, string target, int count, byte[] bodyBytes, int window)
    {
        var connection = await new ConnectionFactory().CreateAsync(new Address(address));
        try
        {
            var sender = new SenderLink(new Session(connection), "bench-raw-" + Guid.NewGuid().ToString("N")[..8], target);
            var messages = Enumerable.Range(0, count).Select(i => AmqpEventPublisher.ToMessage(Event(i, bodyBytes))).ToList();
            using var room = new SemaphoreSlim(window, window);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var settled = 0;
            OutcomeCallback onOutcome = (_, _, outcome, _) =>
            {
                if (outcome is not Accepted)
                    done.TrySetException(new InvalidOperationException("not accepted: " + outcome));
                room.Release();
                if (Interlocked.Increment(ref settled) == count)
                    done.TrySetResult();
            };

            var watch = Stopwatch.StartNew();
            foreach (var message in messages)
            {
                await room.WaitAsync();
                sender.Send(message, onOutcome, null);
            }

            await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
            watch.Stop();
            return (watch.Elapsed, count / watch.Elapsed.TotalSeconds);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>The same messages through <see cref="AmqpEventPublisher"/> in batches of <paramref name="batchSize"/>.</summary>
    public static async Task<(TimeSpan Elapsed, double MessagesPerSecond)> PublisherAsync(string address, string target, int count, byte[] bodyBytes, int window, int batchSize = 500)
    {
        var options = new ServiceBusOptions { Address = ServiceBusAddress.Parse(address), Topic = target, MaxUnsettled = window };
        await using var publisher = new AmqpEventPublisher(options, TimeProvider.System, NullLogger<AmqpEventPublisher>.Instance);
        var events = Enumerable.Range(0, count).Select(i => Event(i, bodyBytes)).ToList();
        await publisher.PublishAsync(events.Take(1).ToList(), CancellationToken.None); // connect outside the timing, like the raw run's connection
        var watch = Stopwatch.StartNew();
        foreach (var batch in events.Skip(1).Chunk(batchSize))
            await publisher.PublishAsync(batch, CancellationToken.None);
        watch.Stop();
        return (watch.Elapsed, (count - 1) / watch.Elapsed.TotalSeconds);
    }

    private static OutgoingEvent Event(int i, byte[] body) =>
        new($"bench-{i}-{Guid.NewGuid():N}", "campaign.contact.called", "cmp_bench_" + (i % 16), "ws_bench", body);
}
