using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Xunit.Abstractions;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>Volume: every one of many thousands of messages reaches a receiver, whatever shape its receives take.</summary>
public class When_many_messages_are_received(ITestOutputHelper output)
{
    private const int Count = 20_000;

    private static async Task<BrokerScope> FilledAsync()
    {
        var scope = BrokerScope.Start(b => b.AddQueue("bulk"));
        await using var sender = scope.Client.CreateSender("bulk");
        for (var sent = 0; sent < Count;)
        {
            using var batch = await sender.CreateMessageBatchAsync();
            while (sent < Count && batch.TryAddMessage(new ServiceBusMessage(new byte[500]) { MessageId = "m" + sent }))
                sent++;
            await sender.SendMessagesAsync(batch);
        }
        return scope;
    }

    [Theory]
    [InlineData(ServiceBusReceiveMode.ReceiveAndDelete, 0)]
    [InlineData(ServiceBusReceiveMode.ReceiveAndDelete, 1000)]
    [InlineData(ServiceBusReceiveMode.PeekLock, 500)]
    public async Task Batch_receives_get_every_message_once(ServiceBusReceiveMode mode, int prefetch)
    {
        await using var scope = await FilledAsync();
        await using var receiver = scope.Client.CreateReceiver("bulk", new ServiceBusReceiverOptions { ReceiveMode = mode, PrefetchCount = prefetch });
        var seen = new HashSet<string>();
        var watch = Stopwatch.StartNew();
        var quiet = Stopwatch.StartNew();
        while (seen.Count < Count && quiet.Elapsed < TimeSpan.FromSeconds(10))
        {
            var got = await receiver.ReceiveMessagesAsync(1000, TimeSpan.FromSeconds(1));
            if (got.Count > 0)
                quiet.Restart();
            foreach (var message in got)
            {
                Assert.True(seen.Add(message.MessageId), $"{message.MessageId} came twice");
                if (mode == ServiceBusReceiveMode.PeekLock)
                    await receiver.CompleteMessageAsync(message);
            }
        }
        output.WriteLine($"{mode} prefetch {prefetch}: {seen.Count} in {watch.Elapsed.TotalSeconds:F1} s; broker holds {scope.Broker.CountMessages("bulk")}");
        Assert.Equal(Count, seen.Count);
    }

    /// <summary>
    /// A processor with a far deeper prefetch than the app's call-results receiver (peek-lock, prefetch 16), in both
    /// modes. Receive-and-delete stalled here until the broker mended AMQPNetLite's session window (see the README).
    /// </summary>
    [Theory]
    [InlineData(ServiceBusReceiveMode.PeekLock)]
    [InlineData(ServiceBusReceiveMode.ReceiveAndDelete)]
    public async Task A_processor_with_a_deep_prefetch_gets_every_message_once(ServiceBusReceiveMode mode)
    {
        await using var scope = await FilledAsync();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        using var progress = new SemaphoreSlim(0); // released once a message, so the wait below wakes on each one
        await using var processor = scope.Client.CreateProcessor("bulk", new ServiceBusProcessorOptions
        {
            ReceiveMode = mode, PrefetchCount = 1000, MaxConcurrentCalls = 4,
        });
        processor.ProcessMessageAsync += args =>
        {
            Assert.True(seen.TryAdd(args.Message.MessageId, true), $"{args.Message.MessageId} came twice");
            progress.Release();
            return Task.CompletedTask;
        };
        processor.ProcessErrorAsync += _ => Task.CompletedTask;
        var watch = Stopwatch.StartNew();
        await processor.StartProcessingAsync();
        // Done when every message came, failed when none came for 10 s (a stall).
        while (seen.Count < Count && await progress.WaitAsync(TimeSpan.FromSeconds(10)))
        {
        }
        output.WriteLine($"processor {mode}: {seen.Count} in {watch.Elapsed.TotalSeconds:F1} s; broker holds {scope.Broker.CountMessages("bulk")}");
        Assert.Equal(Count, seen.Count);
    }
}
