using System.Globalization;
using Campaigns.Testing.ServiceBus;

// The test broker as a process of its own, for tests that need the broker outside their process.
//   dotnet Campaigns.ServiceBusTestBroker.Runner.dll --port 5672 --queue results:5 --topic campaign-events:all,audit
//       [--duplicate-detection campaign-events[:SECONDS]] [--lock-duration SECONDS] [--key KEY]
// Prints "ConnectionString=..." once it listens, then takes commands on standard input, one a line:
//   stop   close every connection and stop listening (messages are kept)
//   start  listen again on the same port
//   exit   end the process (messages are lost: they live in the process)
// Each command is answered with "ok" or "error: ...". End of input is ignored; the process then runs until killed.
return await BrokerProcess.RunAsync(args);

internal static class BrokerProcess
{
    private const string Usage =
        "usage: --port N [--queue NAME[:MAX_DELIVERY]]... [--topic NAME:SUB[,SUB...]]... [--duplicate-detection NAME[:SECONDS]]... [--lock-duration SECONDS] [--key KEY]";

    public static async Task<int> RunAsync(string[] args)
    {
        ServiceBusTestBroker broker;
        try
        {
            broker = Build(args);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync(exception.Message + Environment.NewLine + Usage);
            return 2;
        }

        using (broker)
        {
            broker.Start();
            Console.WriteLine("ConnectionString=" + broker.ConnectionString);
            Console.Out.Flush();
            while (await Console.In.ReadLineAsync() is { } line)
            {
                var reply = Execute(broker, line.Trim());
                if (reply is null)
                    return 0;
                Console.WriteLine(reply);
                Console.Out.Flush();
            }

            await Task.Delay(Timeout.Infinite);
            return 0;
        }
    }

    private static string? Execute(ServiceBusTestBroker broker, string command)
    {
        try
        {
            switch (command)
            {
                case "stop":
                    broker.Stop();
                    return "ok";
                case "start":
                    broker.Start();
                    return "ok";
                case "exit":
                    return null;
                default:
                    return $"error: unknown command '{command}' (stop, start, exit)";
            }
        }
        catch (InvalidOperationException exception)
        {
            return "error: " + exception.Message;
        }
    }

    private static ServiceBusTestBroker Build(string[] args)
    {
        var options = new List<(string Name, string Value)>();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"Expected '--option value' at '{args[i]}'.");
            options.Add((args[i][2..], args[i + 1]));
        }

        string? Single(string name) => options.LastOrDefault(o => o.Name == name).Value;
        var port = int.Parse(Single("port") ?? throw new ArgumentException("--port is required."), CultureInfo.InvariantCulture);
        TimeSpan? lockDuration = Single("lock-duration") is { } seconds ? TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)) : null;
        var deduplicated = options.Where(o => o.Name == "duplicate-detection")
            .Select(o => o.Value.Split(':', 2))
            .ToDictionary(p => p[0], p => TimeSpan.FromSeconds(p.Length > 1 ? double.Parse(p[1], CultureInfo.InvariantCulture) : 600), StringComparer.OrdinalIgnoreCase);

        var broker = new ServiceBusTestBroker(port, key: Single("key") ?? ServiceBusTestBroker.DefaultKey);
        foreach (var (name, value) in options)
        {
            var parts = value.Split(':', 2);
            if (name == "queue")
            {
                var maxDelivery = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 10;
                broker.AddQueue(parts[0], maxDelivery, lockDuration, deduplicated.TryGetValue(parts[0], out var window) ? window : null);
            }
            else if (name == "topic")
            {
                var topic = broker.AddTopic(parts[0], deduplicated.TryGetValue(parts[0], out var window) ? window : null);
                foreach (var subscription in parts.Length > 1 ? parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries) : [])
                    topic.AddSubscription(subscription, lockDuration: lockDuration);
            }
            else if (name is not ("port" or "key" or "lock-duration" or "duplicate-detection"))
            {
                throw new ArgumentException($"Unknown option --{name}.");
            }
        }

        return broker;
    }
}
