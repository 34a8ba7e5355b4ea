using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

/// <summary>
/// 20:50 in New York on Monday 2 March 2026 (01:50 UTC on the 3rd), ten minutes before the legal window closes. The
/// provider is a real HTTP listener taking one call request at a time; the first request it gets takes nine minutes
/// of the app's clock (a provider that hangs), so the next call of the same round would start at 20:59 or later.
/// </summary>
public sealed class SlowProviderFixture() : ProviderListenerFixture(new DateTimeOffset(2026, 3, 3, 1, 50, 0, TimeSpan.Zero), new()
{
    ["VoiceAgent:Concurrency"] = "1",
    ["Engine:MaxCallsInProgress"] = "2",
})
{
    /// <summary>The phone number of each call request received.</summary>
    public IEnumerable<string> Called => Requests.Select(r => r.Body["contact"]!["phone"]!.GetValue<string>());

    protected override int Answer(JsonObject body)
    {
        if (Requests.Count == 1)
            Clock.Advance(TimeSpan.FromMinutes(9)); // the first request hangs for nine minutes
        return 202;
    }
}

public sealed class When_a_calling_window_is_about_to_close(SlowProviderFixture app) : IClassFixture<SlowProviderFixture>
{
    [Fact]
    public async Task A_call_is_not_placed_later_than_the_placement_lead_after_it_was_decided()
    {
        var (client, _) = await app.NewAccountAsync();
        var (first, second) = (Scenario.NewYork(91), Scenario.NewYork(92));
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(first), Scenario.Contact(second)], maxAttempts: 2, retryMinutes: 60);
        await Scenario.StartAsync(client, id);

        // Both are claimed in one round at 20:50; the first request takes until 20:59, so the other call is not placed
        // (it would start nine minutes after its decision, past the two-minute lead, one minute before the close).
        var contacts = await Scenario.UntilContactsAsync(client, id,
            c => new[] { first, second }.Any(p => c[p]["last_outcome"]?.GetValue<string>() == "failed"), "the other call is recorded as not placed");
        var called = Assert.Single(app.Called);
        var notPlaced = called == first ? second : first;
        Assert.Equal("failed", contacts[notPlaced]["last_outcome"]!.GetValue<string>());
        Assert.Equal(1, contacts[notPlaced]["attempts"]!.GetValue<int>());
        Assert.Equal("pending", contacts[notPlaced]["status"]!.GetValue<string>()); // its retry is planned
        var retryAt = DateTimeOffset.Parse(contacts[notPlaced]["next_attempt_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(retryAt >= new DateTimeOffset(2026, 3, 3, 2, 0, 0, TimeSpan.Zero), $"retry at {retryAt}, after tonight's close");
        Assert.Single(app.Called); // and nothing else was dialed meanwhile
    }
}
