using System.Text;
using Campaigns.Functions.Integration.ServiceBus;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// The receiver hands each message on the call-results queue to the inbox and settles it in peek-lock mode:
/// recorded = completed (gone), invalid = dead-lettered with the reason, an exception = abandoned after a pause
/// (redelivered with the delivery count raised, dead-lettered by the queue after its max delivery count).
/// </summary>
public class When_call_results_arrive_the_receiver_settles_them_by_the_inbox_outcome
{
    private static readonly TestServiceBus Bus = TestServiceBus.Broker;

    [Fact]
    public async Task Recorded_invalid_and_failing_messages_are_settled_each_their_way()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        string Id(string kind) => $"{kind}-{run}";
        await using var app = new AppSide(Bus.ConnectionString, callResultsQueue: TestServiceBus.ReceiverQueue);
        var inbox = new TestInbox();
        await Bus.SendAsync(TestServiceBus.ReceiverQueue,
            TestInbox.Result(Id("ok-1")), TestInbox.Result(Id("invalid-1")), TestInbox.Result(Id("fail-once-1")), TestInbox.Result(Id("ok-2"), asAmqpValue: true), TestInbox.Result(Id("fail-always-1")));

        var receiver = app.Receiver(inbox);
        await receiver.StartAsync(CancellationToken.None);
        List<Azure.Messaging.ServiceBus.ServiceBusReceivedMessage> deadLetters;
        try
        {
            await Task.WhenAll(inbox.WaitForAsync(Id("ok-1")), inbox.WaitForAsync(Id("invalid-1")), inbox.WaitForAsync(Id("fail-once-1")), inbox.WaitForAsync(Id("ok-2")));
            deadLetters = await Bus.DeadLettersAsync(TestServiceBus.ReceiverQueue, m => m.MessageId.EndsWith(run, StringComparison.Ordinal), 2, TimeSpan.FromSeconds(20));
        }
        finally
        {
            await receiver.StopAsync(CancellationToken.None);
        }

        Assert.Equal((1, 1, 2, 1), (inbox.CallsOf(Id("ok-1")), inbox.CallsOf(Id("invalid-1")), inbox.CallsOf(Id("fail-once-1")), inbox.CallsOf(Id("ok-2"))));
        Assert.Equal(TestServiceBus.MaxDeliveryCount, inbox.CallsOf(Id("fail-always-1"))); // abandoned each time, then Service Bus gave up
        var invalid = Assert.Single(deadLetters, m => m.MessageId == Id("invalid-1"));
        Assert.Equal((CallResultsReceiver.InvalidReason, "unknown call id"), (invalid.DeadLetterReason, invalid.DeadLetterErrorDescription));
        Assert.Single(deadLetters, m => m.MessageId == Id("fail-always-1"));
        var first = inbox.Handed.First(m => m.MessageId == Id("ok-1"));
        Assert.Equal($$"""{"call_id":"{{Id("ok-1")}}","status":"completed"}""", Encoding.UTF8.GetString(first.Body.Span));
        Assert.Equal(("test", 2), ((string?)first.ApplicationProperties["provider"], (int?)first.ApplicationProperties["attempt"]));
        Assert.Equal($$"""{"call_id":"{{Id("ok-2")}}","status":"completed"}""", Encoding.UTF8.GetString(inbox.Handed.First(m => m.MessageId == Id("ok-2")).Body.Span));
        await using var check = Bus.Client.CreateReceiver(TestServiceBus.ReceiverQueue);
        Assert.DoesNotContain(await check.PeekMessagesAsync(100), m => m.MessageId.EndsWith(run, StringComparison.Ordinal)); // nothing left: all settled for good
    }

    [Fact]
    public async Task Without_an_inbox_the_receiver_does_not_start()
    {
        await using var app = new AppSide(Bus.ConnectionString, callResultsQueue: TestServiceBus.ReceiverQueue);
        var receiver = app.Receiver(inbox: null);

        await receiver.StartAsync(CancellationToken.None);

        await receiver.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(5));
        await receiver.StopAsync(CancellationToken.None);
        Assert.Equal(0, receiver.Settled);
    }

    [Fact]
    public void The_wait_before_an_abandon_doubles_per_delivery_up_to_its_maximum()
    {
        var options = new ServiceBusOptions { HandlerRetryDelay = TimeSpan.FromSeconds(1), HandlerRetryMaxDelay = TimeSpan.FromSeconds(30) };

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], new[] { 1, 2, 3, 4, 5, 6, 20 }.Select(n => options.RetryDelay(n).TotalSeconds));
    }
}
