using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

public sealed class When_a_schedule_starts_and_ends(InstantCallsFixture app) : IClassFixture<InstantCallsFixture>
{
    [Fact]
    public async Task It_runs_at_start_time_and_at_end_time_no_call_starts_and_the_rest_is_schedule_ended()
    {
        // Now is 15:00 UTC (10:00 New York). The campaign window is 11:00-12:00 New York time (16:00-17:00 UTC).
        var (client, _) = await app.NewAccountAsync();
        var ny = Scenario.NewYork(70);
        var retried = Scenario.NewYork(71);
        var kolkata = "+919876543210"; // 21:30 and later in Kolkata during the whole window: never legal
        var schedule = new JsonObject { ["start_time"] = "2026-03-02T11:00:00", ["end_time"] = "2026-03-02T12:00:00", ["timezone"] = "America/New_York" };
        var id = await Scenario.CreateAsync(client,
            [Scenario.Contact(ny, "interested"), Scenario.Contact(retried, "no_answer"), Scenario.Contact(kolkata, "interested")],
            maxAttempts: 3, retryMinutes: 30, schedule: schedule);

        app.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("scheduled", (await Scenario.CampaignAsync(client, id))["status"]!.GetValue<string>());
        Assert.Equal(0, (await Scenario.CampaignAsync(client, id))["calls_made"]!.GetValue<int>());

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await Scenario.UntilStatusAsync(client, id, "running");
        var contacts = await Scenario.UntilContactsAsync(client, id, c => c[retried]["waiting_reason"]?.GetValue<string>() == "retry_pending" && c[kolkata]["status"]!.GetValue<string>() == "resolved",
            "first calls are over");
        Assert.Equal("interested", contacts[ny]["last_disposition"]!.GetValue<string>());
        Assert.Equal("schedule_ended", contacts[kolkata]["last_disposition"]!.GetValue<string>());
        Assert.Equal(0, contacts[kolkata]["attempts"]!.GetValue<int>());

        // Paused until after the end: on resume no call starts, and the pending contact is closed.
        await client.PatchAsync(id, "pause");
        app.Clock.Advance(TimeSpan.FromMinutes(65));
        await client.PatchAsync(id, "resume");
        var done = await Scenario.UntilStatusAsync(client, id, "completed");

        Assert.Equal(2, done["calls_made"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 1, ["schedule_ended"] = 2 }, done.Dispositions());
        Assert.Equal(1, (await Scenario.ContactsAsync(client, id))[retried]["attempts"]!.GetValue<int>());
    }
}
