using Azure.Storage.Blobs;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;
using Campaigns.LocalHost.Triggers.Timers;

namespace Campaigns.LocalHost.Tests.Timers;

/// <summary>
/// The timer's status in storage says its next run was due an hour ago, and no host ran it. On start the host runs it
/// once with IsPastDue = true and the recorded status, then records the next occurrence from the schedule.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_a_timer_run_was_missed(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task It_runs_once_on_start_as_past_due()
    {
        var settings = SampleApp.SettingsFor(Guid.NewGuid().ToString("N")[..10]);
        var hostId = "test-timer-" + settings["WorkQueue"];
        var store = new ScheduleStatusStore(new BlobContainerClient(storage.ConnectionString, ScheduleStatusStore.HostContainerName), hostId);
        var now = DateTime.UtcNow;
        var missed = new ScheduleStatus(Last: now.AddDays(-1), Next: now.AddHours(-1), LastUpdated: now.AddDays(-1));
        await store.WriteAsync("Tick", missed, CancellationToken.None);

        await using var app = await SampleApp.StartAsync(storage, output, settings, hostId);

        var status = await Eventually.UntilAsync(() => store.ReadAsync("Tick", CancellationToken.None),
            s => s!.LastUpdated > now, "the host recorded the timer's new status");
        var runs = await Eventually.UntilAsync(() => app.RecordsAsync("timer", "Tick"), r => r.Count > 0, "the timer ran");
        var run = Assert.Single(runs);
        output.WriteLine("the function saw: " + run.ToJsonString());
        Assert.True(run["IsPastDue"]!.GetValue<bool>());
        Assert.Equal(missed.Next, run["next"]!.GetValue<DateTime>().ToUniversalTime(), TimeSpan.FromMilliseconds(1)); // the status as it was
        Assert.Equal(new DateTime(now.Year + 1, 1, 1, 0, 0, 0, DateTimeKind.Utc), status!.Next); // "0 0 0 1 1 *"
        Assert.Equal(missed.Next, status.Last, TimeSpan.FromSeconds(1));
    }
}
