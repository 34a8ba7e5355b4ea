using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

public sealed class When_a_contact_is_outside_its_legal_hours_it_waits(InstantCallsFixture app) : IClassFixture<InstantCallsFixture>
{
    [Fact]
    public async Task It_is_called_when_its_own_morning_comes_and_not_before()
    {
        // 15:00 UTC: 10:00 in New York (callable), 07:00 in Los Angeles (not before 08:00), 20:30 in Kolkata (callable).
        var (client, _) = await app.NewAccountAsync();
        var la = "+14155551234";
        var ny = Scenario.NewYork(3);
        var kolkata = "+919876543210";
        var byField = "+919812345678"; // an Indian number whose contact says it lives in Los Angeles
        var id = await Scenario.CreateAsync(client,
            [Scenario.Contact(la, "interested"), Scenario.Contact(ny, "interested"), Scenario.Contact(kolkata, "interested"),
             Scenario.Contact(byField, "interested", timezone: "America/Los_Angeles")]);
        await Scenario.StartAsync(client, id);

        var contacts = await Scenario.UntilContactsAsync(client, id, c => c.Count("resolved") == 2, "New York and Kolkata are called");
        Assert.Equal("resolved", contacts[ny]["status"]!.GetValue<string>());
        Assert.Equal("resolved", contacts[kolkata]["status"]!.GetValue<string>());
        foreach (var waiting in new[] { la, byField })
        {
            Assert.Equal("pending", contacts[waiting]["status"]!.GetValue<string>());
            Assert.Equal(0, contacts[waiting]["attempts"]!.GetValue<int>());
            Assert.Equal("outside_legal_hours", contacts[waiting]["waiting_reason"]!.GetValue<string>());
            Assert.Equal("2026-03-02T16:00:00Z", contacts[waiting]["next_attempt_at"]!.GetValue<string>()); // 08:00 PST
        }

        app.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(2, (await Scenario.ContactsAsync(client, id)).Count("resolved"));
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        Assert.Equal(4, done["calls_made"]!.GetValue<int>());
    }
}
