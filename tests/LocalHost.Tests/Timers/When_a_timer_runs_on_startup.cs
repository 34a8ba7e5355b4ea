using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;

namespace Campaigns.LocalHost.Tests.Timers;

/// <summary>A timer with runOnStartup runs once as its host starts, though its schedule is a year away, not as past due.</summary>
[Collection(StorageCollection.Name)]
public sealed class When_a_timer_runs_on_startup(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task It_runs_once_when_the_host_starts()
    {
        await using var app = await SampleApp.StartAsync(storage, output);

        var runs = await Eventually.UntilAsync(() => app.RecordsAsync("timer", "Startup"), r => r.Count > 0, "the startup run");

        Assert.False(Assert.Single(runs)["IsPastDue"]!.GetValue<bool>());
        Assert.Empty(await app.RecordsAsync("timer", "Tick")); // the other timer has no reason to run
    }
}
