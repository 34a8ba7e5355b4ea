using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Campaigns.Functions.Integration.ServiceBus;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// A batch whose event is rejected, or never settled, fails with <see cref="EventPublishException.AcceptedPrefix"/> =
/// the events accepted before it; the caller sends the rest again and the next call works on a fresh link. The broker
/// is an AMQPNetLite <see cref="ContainerHost"/> that rejects or holds events by id.
/// </summary>
public class When_the_broker_refuses_or_ignores_an_event_the_batch_reports_its_accepted_prefix : IDisposable
{
    private readonly ContainerHost _host;
    private readonly int _port;
    private readonly ConcurrentDictionary<string, string> _behaviour = new(); // id -> "reject" | "hold"
    private readonly ConcurrentQueue<string> _accepted = new();

    public When_the_broker_refuses_or_ignores_an_event_the_batch_reports_its_accepted_prefix()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _host = new ContainerHost(new Address($"amqp://127.0.0.1:{_port}"));
        _host.Listeners[0].SASL.EnableAnonymousMechanism = true;
        _host.RegisterMessageProcessor("events", new Processor(this));
        _host.Open();
    }

    [Fact]
    public async Task A_rejected_event_fails_the_batch_after_the_events_before_it()
    {
        await using var publisher = Broker.Publisher(Options());
        var events = TestEvents.Batch(6);
        _behaviour[events[3].Id] = "reject";

        var error = await Assert.ThrowsAsync<EventPublishException>(() => publisher.PublishAsync(events, CancellationToken.None));

        Assert.Equal(3, error.AcceptedPrefix);
        Assert.Contains("rejected", error.Message);
        _behaviour.Clear();
        await publisher.PublishAsync(events.Skip(error.AcceptedPrefix).ToList(), CancellationToken.None); // a fresh link takes the rest
        Assert.All(events, e => Assert.Contains(e.Id, _accepted)); // events after the rejected one may arrive twice: ids unchanged, consumers dedupe
    }

    [Fact]
    public async Task An_event_without_an_outcome_times_out_with_the_prefix_before_it()
    {
        await using var publisher = Broker.Publisher(Options(sendTimeout: TimeSpan.FromSeconds(1)));
        var events = TestEvents.Batch(4);
        _behaviour[events[2].Id] = "hold";

        var error = await Assert.ThrowsAsync<EventPublishException>(() => publisher.PublishAsync(events, CancellationToken.None));

        Assert.Equal(2, error.AcceptedPrefix);
        Assert.Contains("no outcome", error.Message);
    }

    private ServiceBusOptions Options(TimeSpan? sendTimeout = null) => new()
    {
        Address = ServiceBusAddress.Parse($"amqp://127.0.0.1:{_port}"),
        Topic = "events",
        SendTimeout = sendTimeout ?? TimeSpan.FromSeconds(5),
    };

    public void Dispose() => _host.Close();

    private sealed class Processor(When_the_broker_refuses_or_ignores_an_event_the_batch_reports_its_accepted_prefix test) : IMessageProcessor
    {
        public int Credit => 100;

        public void Process(MessageContext messageContext)
        {
            var id = messageContext.Message.Properties.MessageId;
            switch (test._behaviour.GetValueOrDefault(id))
            {
                case "reject":
                    messageContext.Complete(new Error(ErrorCode.InvalidField) { Description = "refused by the test broker" });
                    break;
                case "hold":
                    break; // never settled
                default:
                    test._accepted.Enqueue(id);
                    messageContext.Complete();
                    break;
            }
        }
    }
}
