using Campaigns.Functions.Engine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Campaigns.Functions.Tests.Infrastructure;

/// <summary>
/// The test's half of a fake clock: when a test moves the app's clock, the campaigns whose next look has come are
/// woken, as their durable timers would wake them had that much real time passed. A campaign's orchestration sleeps on a
/// durable timer in real time, for as long as its activity answered on the app's clock (mapped onto the
/// orchestration's clock); a test that jumps the app's clock by an hour does not wait an hour. Polls the clock every
/// 100 ms and does nothing while it stands still. A look planned for a contact's due instant plus the gathering delay
/// (<see cref="EngineOptions.GatherMilliseconds"/>) counts as come once the clock reaches the due instant, so a test
/// moves the clock by a retry interval exactly, as a user would reason about it.
/// </summary>
internal sealed class FakeClockWakeups(FakeTimeProvider clock, CampaignInstances instances, EngineOptions options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seen = clock.GetUtcNow();
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (await ticks.WaitForNextTickAsync(stoppingToken))
        {
            var now = clock.GetUtcNow();
            if (now == seen)
                continue;
            seen = now;
            try
            {
                await instances.WakeOverdueAsync(NodaTime.Duration.FromMilliseconds(-options.GatherMilliseconds), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                seen = default; // storage hiccup: try again at the next poll
            }
        }
    }
}
