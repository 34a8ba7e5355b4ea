using System.Text.Json;
using Azure.Storage.Blobs;
using Campaigns.LocalHost.Grpc.Messages;
using Campaigns.LocalHost.Invocation;
using Campaigns.LocalHost.Worker;

namespace Campaigns.LocalHost.Triggers.Timers;

/// <summary>
/// A timer trigger as the Functions host runs it: an NCRONTAB schedule (a <c>%setting%</c> allowed), its status kept
/// in storage (<see cref="ScheduleStatusStore"/>). On start it runs once with <c>IsPastDue = true</c> when the recorded
/// next occurrence has passed while no host ran (unless <c>runOnStartup</c>, which runs once anyway); then at each
/// occurrence. Timers fire late or early on a busy machine: the time is re-read after every wait. Of several hosts of
/// one app, only the one holding the timer's lease runs it (<see cref="ListenerLease"/>), as in Azure.
/// </summary>
public sealed partial class TimerTriggerListener(FunctionDescriptor function, TriggerContext context, ScheduleStatusStore store, BlobClient lockBlob) : ITriggerListener
{
    private readonly NCrontab _schedule = NCrontab.Parse(context.Settings.Resolve(function.Property("schedule")
        ?? throw new InvalidDataException($"{function.Name}: timerTrigger without schedule")));

    private readonly ILogger _log = context.Loggers.CreateLogger<TimerTriggerListener>();

    public string FunctionName => function.Name;

    /// <summary>Whether this host holds the timer's lease and runs it.</summary>
    public bool IsPrimary { get; private set; }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var lease = await ListenerLease.AcquireAsync(lockBlob, context.Time, stoppingToken);
            using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var keeping = lease.KeepAsync(lost.Token).ContinueWith(_ => lost.Cancel(), TaskScheduler.Default);
            IsPrimary = true;
            LogPrimary(function.Name);
            try
            {
                await RunScheduleAsync(lost.Token);
            }
            catch (OperationCanceledException) when (lost.IsCancellationRequested)
            {
                // stopping, or the lease was lost: another host runs the timer now
            }
            finally
            {
                IsPrimary = false;
                await lost.CancelAsync();
                await keeping;
            }
        }
    }

    private async Task RunScheduleAsync(CancellationToken stoppingToken)
    {
        var now = context.Time.GetUtcNow().UtcDateTime;
        var status = await store.ReadAsync(function.Name, stoppingToken);
        var runOnStartup = function.Trigger["runOnStartup"] is { } flag && flag.ToString().Equals("true", StringComparison.OrdinalIgnoreCase);
        if (runOnStartup)
            status = await RunAsync(status, now, isPastDue: false, stoppingToken);
        else if (status is not null && status.Next < now)
        {
            LogPastDue(function.Name, status.Next);
            status = await RunAsync(status, status.Next, isPastDue: true, stoppingToken); // Last becomes the missed occurrence
        }
        var next = _schedule.NextAfter(now);
        await store.WriteAsync(function.Name, new ScheduleStatus(status?.Last ?? default, next, now), stoppingToken);
        LogScheduled(function.Name, _schedule.Expression, next);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await WaitUntilAsync(next, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            status = await RunAsync(status, next, isPastDue: false, stoppingToken);
            next = _schedule.NextAfter(context.Time.GetUtcNow().UtcDateTime);
            await store.WriteAsync(function.Name, status with { Next = next }, stoppingToken);
        }
    }

    private async Task WaitUntilAsync(DateTime due, CancellationToken stoppingToken)
    {
        while (context.Time.GetUtcNow().UtcDateTime < due)
        {
            var left = due - context.Time.GetUtcNow().UtcDateTime;
            await Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, context.Time, stoppingToken);
        }
    }

    /// <summary>Invokes once, passing the status as it was before this run, and returns the status after it.</summary>
    private async Task<ScheduleStatus> RunAsync(ScheduleStatus? before, DateTime occurrence, bool isPastDue, CancellationToken stoppingToken)
    {
        var timerInfo = new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = before is null ? null : new { before.Last, before.Next, before.LastUpdated },
            IsPastDue = isPastDue,
        };
        var request = new InvocationRequest { InvocationId = Guid.NewGuid().ToString() };
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = TypedDataValues.Json(JsonSerializer.Serialize(timerInfo)) });
        var outcome = await context.Dispatcher.InvokeAsync(function, request, null, stoppingToken);
        if (!outcome.Succeeded)
            LogFailed(function.Name, outcome.Error ?? outcome.Status.ToString());
        var now = context.Time.GetUtcNow().UtcDateTime;
        return new ScheduleStatus(occurrence, _schedule.NextAfter(now), now);
    }

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Timer '{Function}': this host holds its lease and runs it")]
    private partial void LogPrimary(string function);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Timer '{Function}' ({Schedule}) next runs at {Next:O}")]
    private partial void LogScheduled(string function, string schedule, DateTime next);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Timer '{Function}' is past due (was due {Due:O}): running it now")]
    private partial void LogPastDue(string function, DateTime due);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Timer '{Function}' failed: {Reason}")]
    private partial void LogFailed(string function, string reason);
}

/// <summary>Makes a <see cref="TimerTriggerListener"/> for each timerTrigger, its status in AzureWebJobsStorage.</summary>
public sealed class TimerTriggerProvider : ITriggerListenerProvider
{
    public ITriggerListener? TryCreate(FunctionDescriptor function, TriggerContext context)
    {
        if (!function.IsTrigger("timerTrigger"))
            return null;
        var container = new BlobContainerClient(context.Settings.Connection(null), ScheduleStatusStore.HostContainerName);
        return new TimerTriggerListener(function, context, new ScheduleStatusStore(container, context.HostId),
            ListenerLease.LockBlob(container, context.HostId, function.Name));
    }
}
