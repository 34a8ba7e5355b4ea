using System.Text;
using Campaigns.Functions.Integration.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// The listener hands each message on the call-results queue to the inbox and settles it: recorded = accepted (gone),
/// invalid = rejected (RabbitMQ drops it, Service Bus dead-letters it: never redelivered), an exception = released
/// (redelivered, then recorded).
/// </summary>
public class When_call_results_arrive_the_listener_settles_them_by_the_inbox_outcome
{
    [Fact]
    public async Task Recorded_invalid_and_failing_messages_are_settled_each_their_way()
    {
        var queue = Broker.NewQueue("results");
        var inbox = new TestInbox();
        await Broker.SendAsync(queue, TestInbox.Result("ok-1"), TestInbox.Result("invalid-1"), TestInbox.Result("fail-once-1"), TestInbox.Result("ok-2", asAmqpValue: true));

        var listener = Listener(queue, inbox);
        await listener.StartAsync(CancellationToken.None);
        try
        {
            await Task.WhenAll(inbox.WaitForAsync("ok-1"), inbox.WaitForAsync("invalid-1"), inbox.WaitForAsync("fail-once-1"), inbox.WaitForAsync("ok-2"));
            // Four messages, one of them twice. A wrong settlement of the invalid one (released, not rejected) needs no wait
            // to show: redelivered before the stop it is handed again; still unsettled at the stop, it goes back to the
            // queue, which is read empty below.
            await WaitUntilAsync(() => listener.Settled >= 5);
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }

        Assert.Equal((1, 1, 2, 1), (inbox.CallsOf("ok-1"), inbox.CallsOf("invalid-1"), inbox.CallsOf("fail-once-1"), inbox.CallsOf("ok-2")));
        var first = inbox.Handed.First(m => m.MessageId == "ok-1");
        Assert.Equal("""{"call_id":"ok-1","status":"completed"}""", Encoding.UTF8.GetString(first.Body.Span));
        Assert.Equal(("test", 2), ((string?)first.ApplicationProperties["provider"], (int?)first.ApplicationProperties["attempt"]));
        Assert.Equal("""{"call_id":"ok-2","status":"completed"}""", Encoding.UTF8.GetString(inbox.Handed.First(m => m.MessageId == "ok-2").Body.Span));
        Assert.Empty(await Broker.ReceiveAsync(queue, 1, TimeSpan.FromMilliseconds(500))); // nothing left: all settled for good
    }

    [Fact]
    public async Task Without_an_inbox_the_listener_does_not_start()
    {
        var queue = Broker.NewQueue("no-inbox");
        var listener = new CallResultsListener(Broker.Options("unused", queue), new ServiceCollection().BuildServiceProvider(),
            TimeProvider.System, NullLogger<CallResultsListener>.Instance);

        await listener.StartAsync(CancellationToken.None);

        await listener.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(5));
        await listener.StopAsync(CancellationToken.None);
    }

    private static CallResultsListener Listener(string queue, TestInbox inbox) =>
        new(Broker.Options("unused", queue), new ServiceCollection().AddSingleton<ICallResultInbox>(inbox).BuildServiceProvider(),
            TimeProvider.System, NullLogger<CallResultsListener>.Instance);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!condition())
            await Task.Delay(20, timeout.Token);
    }
}
