using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

public sealed class When_a_started_campaign_runs_it_calls_everyone_and_completes(InstantCallsFixture app) : IClassFixture<InstantCallsFixture>
{
    [Fact]
    public async Task Every_contact_is_called_once_and_the_counters_are_exact()
    {
        var (client, _) = await app.NewAccountAsync();
        var outcomes = new[] { "interested", "interested", "renewed", "no_answer", "busy", "voicemail", "failed", "not_interested" };
        var id = await Scenario.CreateAsync(client, outcomes.Select((o, i) => Scenario.Contact(Scenario.NewYork(i), o)));
        Assert.Equal("scheduled", (await Scenario.CampaignAsync(client, id))["status"]!.GetValue<string>());

        await Scenario.StartAsync(client, id);
        var done = await Scenario.UntilStatusAsync(client, id, "completed");

        Assert.Equal(8, done["calls_made"]!.GetValue<int>());
        Assert.Equal(4, done["calls_connected"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 2, ["renewed"] = 1, ["not_interested"] = 1, ["not_reachable"] = 4 }, done.Dispositions());
        var contacts = await Scenario.ContactsAsync(client, id);
        Assert.All(contacts.Values, c =>
        {
            Assert.Equal("resolved", c["status"]!.GetValue<string>());
            Assert.Equal(1, c["attempts"]!.GetValue<int>());
            Assert.Null(c["waiting_reason"]);
        });
        Assert.Equal("busy", contacts[Scenario.NewYork(4)]["last_outcome"]!.GetValue<string>());
        Assert.Equal("not_reachable", contacts[Scenario.NewYork(4)]["last_disposition"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_campaign_without_schedule_waits_for_start()
    {
        var (client, _) = await app.NewAccountAsync();
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(Scenario.NewYork(0), "interested")]);
        var contacts = await Scenario.ContactsAsync(client, id);
        Assert.Equal("campaign_not_started", contacts[Scenario.NewYork(0)]["waiting_reason"]!.GetValue<string>());
        Assert.Equal(0, (await Scenario.CampaignAsync(client, id))["calls_made"]!.GetValue<int>());
    }
}
