using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Messaging.ServiceBus;

namespace Campaigns.Testing.ServiceBus.Tests;

/// <summary>
/// The standalone runner, for tests of the app that need the broker in a process of its own: it prints its connection
/// string, takes stop/start/exit on standard input, and keeps its messages across a stop and start.
/// </summary>
public sealed class When_the_broker_runs_as_a_process : IDisposable
{
    private readonly Process _process;
    private readonly int _port;

    public When_the_broker_runs_as_a_process()
    {
        _port = FreePort();
        var runner = Path.Combine(AppContext.BaseDirectory, "Campaigns.ServiceBusTestBroker.Runner.dll");
        _process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { runner, "--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--queue", "results:5", "--topic", "campaign-events:all,audit", "--duplicate-detection", "campaign-events" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
    }

    [Fact]
    public async Task It_prints_a_connection_string_and_keeps_messages_across_stop_and_start()
    {
        var connectionString = await ReadConnectionStringAsync();
        await using var client = new ServiceBusClient(connectionString, BrokerScope.ClientOptions());
        await using var sender = client.CreateSender("campaign-events");
        await sender.SendMessagesAsync([BrokerScope.Message("e1"), BrokerScope.Message("e1"), BrokerScope.Message("e2")]);

        Assert.Equal("ok", await CommandAsync("stop"));
        Assert.Equal("ok", await CommandAsync("start"));
        await using var receiver = client.CreateReceiver("campaign-events", "audit");
        var received = new List<ServiceBusReceivedMessage>();
        while (received.Count < 2 && await receiver.ReceiveMessageAsync(BrokerScope.Wait) is { } message)
            received.Add(message);

        Assert.Equal($"Endpoint=sb://127.0.0.1:{_port};SharedAccessKeyName={ServiceBusTestBroker.DefaultKeyName};SharedAccessKey={ServiceBusTestBroker.DefaultKey};UseDevelopmentEmulator=true", connectionString);
        Assert.Equal(["e1", "e2"], received.Select(m => m.MessageId));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.WriteLine("exit");
            if (!_process.WaitForExit(5000))
                _process.Kill();
        }

        _process.Dispose();
    }

    private async Task<string> ReadConnectionStringAsync()
    {
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
            ?? throw new Xunit.Sdk.XunitException("The runner ended: " + await _process.StandardError.ReadToEndAsync());
        Assert.StartsWith("ConnectionString=", line);
        return line["ConnectionString=".Length..];
    }

    private async Task<string?> CommandAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await _process.StandardOutput.ReadLineAsync().WaitAsync(BrokerScope.Wait);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
