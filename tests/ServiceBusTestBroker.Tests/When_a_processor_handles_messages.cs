using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// <see cref="ServiceBusProcessor"/>, as the app's listeners use it: settlement after the handler, lock renewal
/// through $management while a handler runs long, and the drain it sends when it stops or closes: a broker that
/// does not answer the drain makes StopProcessingAsync hang (these tests then fail on their time limits).
/// </summary>
public class When_a_processor_handles_messages
{
    [Fact]
    public async Task Auto_complete_removes_each_handled_message()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"), BrokerScope.Message("m2"), BrokerScope.Message("m3"));
        var handled = new ConcurrentQueue<string>();
        await using var processor = scope.Client.CreateProcessor("results");
        processor.ProcessMessageAsync += args =>
        {
            handled.Enqueue(args.Message.MessageId);
            return Task.CompletedTask;
        };
        var errors = CollectErrors(processor);

        await processor.StartProcessingAsync();
        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results").Total == 0, "all three are completed");
        await processor.StopProcessingAsync();

        Assert.Equal(["m1", "m2", "m3"], handled.Order());
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Manual_settlement_does_what_the_handler_says()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("good"), BrokerScope.Message("poison"));
        await using var processor = scope.Client.CreateProcessor("results", new ServiceBusProcessorOptions { AutoCompleteMessages = false });
        processor.ProcessMessageAsync += args => args.Message.MessageId == "poison"
            ? args.DeadLetterMessageAsync(args.Message, "Poison", "Handler refused it.")
            : args.CompleteMessageAsync(args.Message);
        var errors = CollectErrors(processor);

        await processor.StartProcessingAsync();
        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results/$DeadLetterQueue").Active == 1, "the poison message is dead-lettered");
        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results").Total == 0, "the good message is completed");
        await processor.StopProcessingAsync();

        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_handler_that_outlasts_the_lock_keeps_it_by_automatic_renewal()
    {
        // 3 s: the SDK renews well before the end (1 s let a renewal delayed by a busy machine arrive after the lock
        // had ended, and the message came again).
        await using var scope = BrokerScope.Start(b => b.AddQueue("results", lockDuration: TimeSpan.FromSeconds(3)));
        await scope.SendAsync("results", BrokerScope.Message("slow"));
        var deliveries = 0;
        await using var processor = scope.Client.CreateProcessor("results", new ServiceBusProcessorOptions { MaxAutoLockRenewalDuration = TimeSpan.FromMinutes(1) });
        processor.ProcessMessageAsync += async args =>
        {
            Interlocked.Increment(ref deliveries);
            var firstLock = args.Message.LockedUntil;
            await BrokerScope.EventuallyAsync(
                () => DateTimeOffset.UtcNow > firstLock.AddSeconds(1) && scope.Broker.ManagementOperations.Count(o => o == "com.microsoft:renew-lock") >= 2,
                "the lock was renewed twice and the first lock's time is well past");
        };
        var errors = CollectErrors(processor);

        await processor.StartProcessingAsync();
        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results").Total == 0, "the message is completed");
        await processor.StopProcessingAsync();

        Assert.Equal(1, deliveries);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Stopping_it_lets_later_messages_go_to_the_next_receiver()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await using var processor = scope.Client.CreateProcessor("results");
        processor.ProcessMessageAsync += _ => Task.CompletedTask;
        var errors = CollectErrors(processor);
        await processor.StartProcessingAsync();
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results").Total == 0, "m1 is handled");

        using var stopTimeout = new CancellationTokenSource(BrokerScope.Wait);
        await processor.StopProcessingAsync(stopTimeout.Token);
        await scope.SendAsync("results", BrokerScope.Message("m2"));
        await using var receiver = scope.Client.CreateReceiver("results");
        var next = await BrokerScope.ReceiveOneAsync(receiver);

        Assert.Equal(("m2", 1), (next.MessageId, next.DeliveryCount));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Closing_it_puts_its_prefetched_messages_back()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        var processor = scope.Client.CreateProcessor("results", new ServiceBusProcessorOptions { PrefetchCount = 10 });
        var handling = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        processor.ProcessMessageAsync += async _ =>
        {
            handling.TrySetResult();
            await release.Task;
        };
        processor.ProcessErrorAsync += _ => Task.CompletedTask;
        await scope.SendAsync("results", BrokerScope.Message("m1"), BrokerScope.Message("m2"), BrokerScope.Message("m3"));
        await processor.StartProcessingAsync();
        await handling.Task.WaitAsync(BrokerScope.Wait);
        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results").Locked == 3, "all three are prefetched");

        release.SetResult();
        await processor.CloseAsync();

        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results") == new MessageCounts(Active: 2, Locked: 0), "the two unhandled messages are back");
    }

    private static ConcurrentQueue<Exception> CollectErrors(ServiceBusProcessor processor)
    {
        var errors = new ConcurrentQueue<Exception>();
        processor.ProcessErrorAsync += args =>
        {
            errors.Enqueue(args.Exception);
            return Task.CompletedTask;
        };
        return errors;
    }
}
