using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

public sealed class When_calls_go_unanswered_they_are_retried_then_not_reachable(InstantCallsFixture app) : IClassFixture<InstantCallsFixture>
{
    [Fact]
    public async Task Each_retry_waits_the_interval_and_the_last_one_resolves_the_contact()
    {
        var (client, _) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(1);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(phone, "no_answer"), Scenario.Contact(Scenario.NewYork(2), "interested")],
            maxAttempts: 3, retryMinutes: 30);
        await Scenario.StartAsync(client, id);

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var waiting = await Scenario.UntilContactsAsync(client, id, c => c[phone]["attempts"]!.GetValue<int>() == attempt && c[phone]["status"]!.GetValue<string>() == "pending",
                $"attempt {attempt} is over");
            Assert.Equal("retry_pending", waiting[phone]["waiting_reason"]!.GetValue<string>());
            Assert.Equal(app.Clock.GetUtcNow().AddMinutes(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), waiting[phone]["next_attempt_at"]!.GetValue<string>());
            Assert.Equal("no_answer", waiting[phone]["last_outcome"]!.GetValue<string>());

            app.Clock.Advance(TimeSpan.FromMinutes(29));
            var notYet = await Scenario.ContactsAsync(client, id);
            Assert.Equal(attempt, notYet[phone]["attempts"]!.GetValue<int>());
            app.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        Assert.Equal(4, done["calls_made"]!.GetValue<int>());
        Assert.Equal(1, done["calls_connected"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 1, ["not_reachable"] = 1 }, done.Dispositions());
        var contact = (await Scenario.ContactsAsync(client, id))[phone];
        Assert.Equal(3, contact["attempts"]!.GetValue<int>());
        Assert.Equal("not_reachable", contact["last_disposition"]!.GetValue<string>());
    }
}
