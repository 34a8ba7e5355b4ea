using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// The standalone runner, for tests of the app that need the broker outside their process
/// (<see cref="ServiceBusTestBrokerProcess"/>): it prints its connection string, takes stop/start/exit on standard
/// input, and keeps its messages across a stop and start.
/// </summary>
public sealed class When_the_broker_runs_as_a_process
{
    [Fact]
    public async Task It_prints_a_connection_string_and_keeps_messages_across_stop_and_start()
    {
        await using var broker = await ServiceBusTestBrokerProcess.StartAsync(
            "--queue", "results:5", "--topic", "campaign-events:all,audit", "--duplicate-detection", "campaign-events");
        await using var client = new ServiceBusClient(broker.ConnectionString, BrokerScope.ClientOptions());
        await using var sender = client.CreateSender("campaign-events");
        await sender.SendMessagesAsync([BrokerScope.Message("e1"), BrokerScope.Message("e1"), BrokerScope.Message("e2")]);

        await broker.StopAsync();
        await broker.StartAsync();
        await using var receiver = client.CreateReceiver("campaign-events", "audit");
        // Both in one receive: credit for two at once. (Two single receives on one receiver right after the restart
        // lose the second message now and then: the SDK grants a second credit, the broker sends the message, and
        // the SDK's next receive does not hand it over nor ask for more; see tests/ServiceBusTestBroker/README.md.)
        var received = new List<ServiceBusReceivedMessage>();
        while (received.Count < 2 && await receiver.ReceiveMessagesAsync(2 - received.Count, BrokerScope.Wait) is { Count: > 0 } messages)
            received.AddRange(messages);

        Assert.Equal($"Endpoint=sb://127.0.0.1:{broker.Port};SharedAccessKeyName={ServiceBusTestBroker.DefaultKeyName};SharedAccessKey={ServiceBusTestBroker.DefaultKey};UseDevelopmentEmulator=true", broker.ConnectionString);
        Assert.Equal(["e1", "e2"], received.Select(m => m.MessageId));
    }

    [Fact]
    public async Task While_stopped_it_refuses_connections_and_a_second_start_is_an_error()
    {
        await using var broker = await ServiceBusTestBrokerProcess.StartAsync("--queue", "results");
        await broker.StopAsync();

        using var socket = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => socket.ConnectAsync("127.0.0.1", broker.Port));
        await broker.StartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(broker.StartAsync); // the runner answers "error: ... running already"
    }
}
