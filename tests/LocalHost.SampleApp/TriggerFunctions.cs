using Microsoft.Azure.Functions.Worker;

namespace Campaigns.LocalHost.SampleApp;

/// <summary>Queue, blob and timer functions; each records what it was given so the tests can check the host.</summary>
public sealed class TriggerFunctions(Records records)
{
    /// <summary>
    /// "fail" throws; "hang-once" waits forever on its first delivery (the test kills the worker then) and succeeds on a
    /// later one; "slow:N" takes N ms; anything else succeeds.
    /// </summary>
    [Function("Work")]
    public async Task Work([QueueTrigger("%WorkQueue%")] string message, FunctionContext context, CancellationToken cancellationToken)
    {
        var data = context.BindingContext.BindingData;
        var dequeueCount = Convert.ToInt64(data["DequeueCount"]?.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var id = data["Id"]?.ToString() ?? "?";
        var seen = new
        {
            message,
            id,
            dequeueCount,
            insertionTime = data.TryGetValue("InsertionTime", out var i) ? i?.ToString() : null,
            popReceipt = data.TryGetValue("PopReceipt", out var p) ? p?.ToString() : null,
        };
        await records.WriteAsync("queue", id, new { stage = "started", seen });
        if (message == "fail")
            throw new InvalidOperationException("failing on demand");
        if (message == "hang-once" && dequeueCount == 1)
            await Task.Delay(Timeout.Infinite, cancellationToken);
        if (message.StartsWith("slow:", StringComparison.Ordinal))
            await Task.Delay(int.Parse(message[5..], System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        await records.WriteAsync("queue", id, new { stage = "completed", seen });
    }

    /// <summary>Records each blob it is given; a blob whose content is "fail" fails every time.</summary>
    [Function("Upload")]
    public async Task Upload([BlobTrigger("%UploadsContainer%/{name}")] string content, string name, FunctionContext context)
    {
        var host = Environment.GetEnvironmentVariable("SampleHostName") ?? "?";
        await records.WriteAsync("blob", name, new { name, content, host, trigger = context.BindingContext.BindingData["BlobTrigger"]?.ToString() });
        if (content == "fail")
            throw new InvalidOperationException("failing on demand");
    }

    /// <summary>
    /// A blob trigger with the Event Grid source, as Flex Consumption requires (the app's UploadSplit is one): in Azure,
    /// BlobCreated events are pushed to the host; the local host scans the container for it instead.
    /// </summary>
    [Function("UploadByEvent")]
    public async Task UploadByEvent([BlobTrigger("%EventUploadsContainer%/{name}", Source = BlobTriggerSource.EventGrid)] string content, string name, FunctionContext context) =>
        await records.WriteAsync("eventblob", name, new { name, content, trigger = context.BindingContext.BindingData["BlobTrigger"]?.ToString() });

    /// <summary>Runs when its host starts (runOnStartup), and otherwise on a schedule the tests keep far away.</summary>
    [Function("Startup")]
    public async Task Startup([TimerTrigger("%StartupSchedule%", RunOnStartup = true)] TimerInfo timer) =>
        await records.WriteAsync("timer", "Startup", new { host = Environment.GetEnvironmentVariable("SampleHostName") ?? "?", timer.IsPastDue });

    [Function("Tick")]
    public async Task Tick([TimerTrigger("%TickSchedule%")] TimerInfo timer)
    {
        await records.WriteAsync("timer", "Tick", new
        {
            host = Environment.GetEnvironmentVariable("SampleHostName") ?? "?",
            timer.IsPastDue,
            last = timer.ScheduleStatus?.Last,
            next = timer.ScheduleStatus?.Next,
        });
    }
}
