using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;
using Campaigns.LocalHost.Triggers.Timers;

namespace Campaigns.LocalHost.Tests.Timers;

/// <summary>
/// Two hosts of one app share a timer that fires every second: only the host holding the timer's lease runs it, so
/// each occurrence runs once; when that host stops, it lets the lease go and the other host takes the timer over.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_two_hosts_run_the_same_timer(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task Only_one_runs_it_until_it_stops_then_the_other_takes_over()
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var hostId = "test-singleton-" + id;
        var settingsA = SampleApp.SettingsFor(id);
        settingsA["TickSchedule"] = "* * * * * *";
        var settingsB = new Dictionary<string, string>(settingsA) { ["SampleHostName"] = "b" };
        await using var a = await SampleApp.StartAsync(storage, output, settingsA, hostId, "A ");
        await using var b = await SampleApp.StartAsync(storage, output, settingsB, hostId, "B ");

        var ticks = await Eventually.UntilAsync(() => a.RecordsAsync("timer", "Tick"), r => r.Count >= 3, "three ticks");
        var first = ticks[0]["host"]!.GetValue<string>();
        Assert.All(ticks, t => Assert.Equal(first, t["host"]!.GetValue<string>()));
        var (holder, other) = first == "a" ? (a, b) : (b, a);
        Assert.False(other.Host.Listeners.OfType<TimerTriggerListener>().Single(l => l.FunctionName == "Tick").IsPrimary);

        await holder.DisposeAsync(); // a graceful stop lets the lease go
        var otherName = other.Settings["SampleHostName"];
        await Eventually.UntilAsync(() => other.RecordsAsync("timer", "Tick"),
            r => r.Any(t => t["host"]!.GetValue<string>() == otherName), "the other host took the timer over", TimeSpan.FromSeconds(45));
    }
}
