using System.Diagnostics;
using System.Text;
using Amqp;
using Campaigns.Functions.Integration.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// The RabbitMQ node ./test.sh starts for the run (AMQP 1.0 plugin): its URL from <c>CAMPAIGNS_TEST_AMQP</c>, and
/// <c>CAMPAIGNS_TEST_RABBITMQCTL</c> to stop, start or cut its connections. Without them the tests fail, they never skip.
/// RabbitMQ's AMQP 1.0 addresses: <c>/queue/NAME</c> (created on first use, durable).
/// </summary>
internal static class Broker
{
    public static string Url => Environment.GetEnvironmentVariable("CAMPAIGNS_TEST_AMQP") is { Length: > 0 } url
        ? url
        : throw new InvalidOperationException(
            "CAMPAIGNS_TEST_AMQP is not set: the Service Bus tests need the RabbitMQ node that ./test.sh starts (amqp://guest:guest@127.0.0.1:PORT). Run them through ./test.sh.");

    /// <summary>A queue of the test's own.</summary>
    public static string NewQueue(string purpose) => $"/queue/test-{purpose}-{Guid.NewGuid():N}";

    public static ServiceBusOptions Options(string topic, string callResultsQueue = "", int maxUnsettled = 500) => new()
    {
        MaxUnsettled = maxUnsettled,
        Address = ServiceBusAddress.Parse(Url),
        Topic = topic,
        CallResultsQueue = callResultsQueue,
        SendTimeout = TimeSpan.FromSeconds(5),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(200),
        ReconnectMaxDelay = TimeSpan.FromSeconds(1),
        HandlerRetryDelay = TimeSpan.FromMilliseconds(100),
    };

    public static AmqpEventPublisher Publisher(ServiceBusOptions options) =>
        new(options, TimeProvider.System, NullLogger<AmqpEventPublisher>.Instance);

    /// <summary>Up to <paramref name="count"/> messages from <paramref name="queue"/> (accepted, so gone), waiting at most <paramref name="timeout"/>.</summary>
    public static async Task<List<Message>> ReceiveAsync(string queue, int count, TimeSpan timeout)
    {
        var connection = await new ConnectionFactory().CreateAsync(new Address(Url));
        try
        {
            var receiver = new ReceiverLink(new Session(connection), "test-receiver-" + Guid.NewGuid().ToString("N")[..8], queue);
            var messages = new List<Message>();
            var stopwatch = Stopwatch.StartNew();
            while (messages.Count < count && stopwatch.Elapsed < timeout)
            {
                var message = await receiver.ReceiveAsync(timeout - stopwatch.Elapsed);
                if (message is null)
                    break;
                receiver.Accept(message);
                messages.Add(message);
            }

            return messages;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>Sends raw messages to <paramref name="queue"/> and waits until the broker accepted each.</summary>
    public static async Task SendAsync(string queue, params Message[] messages)
    {
        var connection = await new ConnectionFactory().CreateAsync(new Address(Url));
        try
        {
            var sender = new SenderLink(new Session(connection), "test-sender-" + Guid.NewGuid().ToString("N")[..8], queue);
            foreach (var message in messages)
                await sender.SendAsync(message, TimeSpan.FromSeconds(10));
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>
    /// Waits until the broker's AMQP port accepts a connection again (after <c>start_app</c>, its AMQP 1.0 listener opens a
    /// moment after the command returns). Each refused connect is the signal to try again; the test fails after 30 s.
    /// </summary>
    public static async Task UntilAcceptingAsync()
    {
        var uri = new Uri(Url);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var socket = new System.Net.Sockets.TcpClient();
            try
            {
                await socket.ConnectAsync(uri.Host, uri.Port, timeout.Token);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (!timeout.IsCancellationRequested)
            {
                await Task.Delay(20, timeout.Token); // poll the condition, as WaitUntilAsync does
            }
        }
    }

    /// <summary>Runs rabbitmqctl against the test node (e.g. <c>stop_app</c>, <c>start_app</c>, <c>close_all_connections reason</c>).</summary>
    public static async Task CtlAsync(params string[] arguments)
    {
        var ctl = Environment.GetEnvironmentVariable("CAMPAIGNS_TEST_RABBITMQCTL") is { Length: > 0 } path
            ? path
            : throw new InvalidOperationException("CAMPAIGNS_TEST_RABBITMQCTL is not set: the broker restart tests need ./test.sh's RabbitMQ node.");
        var start = new ProcessStartInfo(ctl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"rabbitmqctl {string.Join(' ', arguments)} exited {process.ExitCode}: {await output} {await error}");
    }
}

/// <summary>Test data: integration events with distinct ids.</summary>
internal static class TestEvents
{
    public static OutgoingEvent One(int n, string campaignId = "cmp_1", string workspace = "ws_1", string type = "campaign.contact.called") =>
        new("evt_" + Guid.NewGuid().ToString("N"), type, campaignId, workspace,
            Encoding.UTF8.GetBytes($$$"""{"specversion":"1.0","id":"{{{n}}}","type":"{{{type}}}","data":{"n":{{{n}}}}}"""));

    public static List<OutgoingEvent> Batch(int count, string campaignId = "cmp_1") =>
        Enumerable.Range(1, count).Select(n => One(n, campaignId)).ToList();
}
