using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>Peek-lock on a queue: what the receiver sees, and what each settlement does to the message.</summary>
public class When_a_message_is_received_in_peek_lock
{
    [Fact]
    public async Task The_senders_properties_and_body_round_trip()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        var body = new byte[] { 0, 1, 2, 254, 255 };
        await scope.SendAsync("results", new ServiceBusMessage(body)
        {
            MessageId = "event-42",
            Subject = "CallCompleted",
            ContentType = "application/json",
            CorrelationId = "call-7",
            SessionId = "campaign-3",
            PartitionKey = "campaign-3",
            ApplicationProperties = { ["workspace"] = "w1", ["attempt"] = 3, ["big"] = 5_000_000_000L, ["ok"] = true, ["at"] = new DateTime(2026, 11, 27, 8, 0, 0, DateTimeKind.Utc) },
        });
        await using var receiver = scope.Client.CreateReceiver("results");

        var message = await BrokerScope.ReceiveOneAsync(receiver);

        Assert.Equal(("event-42", "CallCompleted", "application/json", "call-7"), (message.MessageId, message.Subject, message.ContentType, message.CorrelationId));
        Assert.Equal(("campaign-3", "campaign-3"), (message.SessionId, message.PartitionKey));
        Assert.Equal(body, message.Body.ToArray());
        Assert.Equal("w1", message.ApplicationProperties["workspace"]);
        Assert.Equal(3, message.ApplicationProperties["attempt"]);
        Assert.Equal(5_000_000_000L, message.ApplicationProperties["big"]);
        Assert.Equal(true, message.ApplicationProperties["ok"]);
        Assert.Equal(new DateTime(2026, 11, 27, 8, 0, 0, DateTimeKind.Utc), ((DateTime)message.ApplicationProperties["at"]).ToUniversalTime());
    }

    [Fact]
    public async Task The_broker_stamps_sequence_number_enqueued_time_delivery_count_and_lock()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results", lockDuration: TimeSpan.FromSeconds(30)));
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await scope.SendAsync("results", BrokerScope.Message("m1"), BrokerScope.Message("m2"));
        await using var receiver = scope.Client.CreateReceiver("results");

        // One receive for both: two single receives in a row sometimes meet the SDK's second credit (README, "How the SDK speaks").
        var both = await BrokerScope.ReceiveAsync(receiver, 2);
        var (first, second) = (both[0], both[1]);

        Assert.Equal([("m1", 1L), ("m2", 2L)], [(first.MessageId, first.SequenceNumber), (second.MessageId, second.SequenceNumber)]);
        Assert.InRange(first.EnqueuedTime, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(1, first.DeliveryCount);
        Assert.InRange(first.LockedUntil, before.AddSeconds(30), DateTimeOffset.UtcNow.AddSeconds(31));
        Assert.NotEqual(first.LockToken, second.LockToken);
        Assert.Equal(new MessageCounts(Active: 0, Locked: 2), scope.Broker.CountMessages("results"));
    }

    [Fact]
    public async Task Completing_removes_the_message()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");

        await receiver.CompleteMessageAsync(await BrokerScope.ReceiveOneAsync(receiver));

        Assert.Equal(0, scope.Broker.CountMessages("results").Total);
    }

    [Fact]
    public async Task Abandoning_delivers_the_message_again_with_its_delivery_count_one_higher()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");

        await receiver.AbandonMessageAsync(await BrokerScope.ReceiveOneAsync(receiver), new Dictionary<string, object> { ["reason"] = "busy" });
        var again = await BrokerScope.ReceiveOneAsync(receiver);

        Assert.Equal(("m1", 2, 1L), (again.MessageId, again.DeliveryCount, again.SequenceNumber));
        Assert.Equal("busy", again.ApplicationProperties["reason"]);
    }

    [Fact]
    public async Task An_expired_lock_puts_the_message_back_with_its_delivery_count_one_higher()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results", lockDuration: TimeSpan.FromSeconds(1)));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");
        await BrokerScope.ReceiveOneAsync(receiver);

        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results").Active == 1, "the lock expired and the message is back");
        var again = await BrokerScope.ReceiveOneAsync(receiver);

        Assert.Equal(("m1", 2), (again.MessageId, again.DeliveryCount));
    }

    [Fact]
    public async Task Completing_after_the_lock_expired_fails_with_lock_lost()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results", lockDuration: TimeSpan.FromSeconds(1)));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");
        var message = await BrokerScope.ReceiveOneAsync(receiver);
        await BrokerScope.EventuallyAsync(() => scope.Broker.CountMessages("results").Active == 1, "the lock expired");

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteMessageAsync(message));

        Assert.Equal(ServiceBusFailureReason.MessageLockLost, error.Reason);
        Assert.Equal(1, scope.Broker.CountMessages("results").Active);
    }

    [Fact]
    public async Task Renewing_the_lock_extends_it_through_management()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results", lockDuration: TimeSpan.FromSeconds(2)));
        await scope.SendAsync("results", BrokerScope.Message("m1"));
        await using var receiver = scope.Client.CreateReceiver("results");
        var message = await BrokerScope.ReceiveOneAsync(receiver);
        var firstLock = message.LockedUntil;

        await BrokerScope.EventuallyAsync(() => DateTimeOffset.UtcNow > firstLock - TimeSpan.FromSeconds(1), "half the lock has passed");
        await receiver.RenewMessageLockAsync(message);
        await BrokerScope.EventuallyAsync(() => DateTimeOffset.UtcNow > firstLock + TimeSpan.FromMilliseconds(200), "the first lock's time has passed");
        await receiver.CompleteMessageAsync(message);

        Assert.True(message.LockedUntil > firstLock);
        Assert.Contains("com.microsoft:renew-lock", scope.Broker.ManagementOperations);
        Assert.Equal(0, scope.Broker.CountMessages("results").Total);
    }

    [Fact]
    public async Task Peeking_shows_messages_without_locking_them()
    {
        await using var scope = BrokerScope.Start(b => b.AddQueue("results"));
        await scope.SendAsync("results", BrokerScope.Message("m1"), BrokerScope.Message("m2"), BrokerScope.Message("m3"));
        await using var receiver = scope.Client.CreateReceiver("results");

        var peeked = await receiver.PeekMessagesAsync(10);

        Assert.Equal(["m1", "m2", "m3"], peeked.Select(m => m.MessageId));
        Assert.Equal([1L, 2L, 3L], peeked.Select(m => m.SequenceNumber));
        Assert.All(peeked, m => Assert.Equal(0, m.DeliveryCount));
        Assert.Equal(3, scope.Broker.CountMessages("results").Active);
    }
}
