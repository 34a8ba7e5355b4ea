using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Retention;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Retention;

/// <summary>
/// The app with the functions that would move streams, cursors and uploads by themselves turned off: the relay (tests
/// relay and deliver by calling it, on the fake clock), the minute sweep (it relays too), and the upload pipeline
/// (uploads are written as the scenario needs them). The engine and the purge run as usual. The retention run is called
/// by the tests (<see cref="RunRetentionAsync"/>), as the hourly timer would call it.
/// </summary>
public sealed class RetentionFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new(TriggersOff(
    "CampaignOrchestrator", "CampaignLook", "CampaignWake", "CallOutcome", "CampaignPurge"))
{
    ["Simulator:CallSeconds"] = "3600",
})
{
    internal Task<RetentionRun> RunRetentionAsync() => Service<RetentionSweeper>().RunAsync(CancellationToken.None);

    /// <summary>One relay pass for the campaign (append what settled, clear old marks, deliver to every destination).</summary>
    internal Task RelayAsync(string accountId, string campaignId) => Service<EventRelay>().RelayAsync(accountId, campaignId, CancellationToken.None);

    internal Task<List<RetentionItem>> IndexAsync() => Service<RetentionIndex>().AllAsync(CancellationToken.None);

    public void AdvanceDays(double days) => Clock.Advance(TimeSpan.FromDays(days));
}

[CollectionDefinition(Name)]
public sealed class RetentionCollection : ICollectionFixture<RetentionFixture>
{
    public const string Name = "retention";
}
