using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

/// <summary>
/// The provider accepts a call and never reports its result. After the attempt timeout (15 minutes by default) the
/// watchdog records the attempt as failed, and the contact is retried under the campaign's rules.
/// </summary>
public sealed class When_a_result_never_comes_the_attempt_times_out(HttpProviderFixture app) : IClassFixture<HttpProviderFixture>
{
    [Fact]
    public async Task The_silent_attempt_is_recorded_as_failed_and_the_contact_is_called_again()
    {
        var (client, _) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(81);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(phone)], maxAttempts: 2, retryMinutes: 5);
        await Scenario.StartAsync(client, id);
        var first = Scenario.CallId(id, phone, 1);
        await Eventually.UntilAsync(() => Task.FromResult(app.Requests.Count(r => r.Body["call_id"]!.GetValue<string>() == first)), n => n == 1, "the first call is requested");

        app.Clock.Advance(TimeSpan.FromMinutes(14));
        var stillDialing = await Scenario.ContactsAsync(client, id);
        Assert.Equal("dialing", stillDialing[phone]["status"]!.GetValue<string>());

        app.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var waiting = await Scenario.UntilContactsAsync(client, id, c => c[phone]["status"]!.GetValue<string>() == "pending", "the silent attempt times out");
        Assert.Equal("failed", waiting[phone]["last_outcome"]!.GetValue<string>());
        Assert.Equal("retry_pending", waiting[phone]["waiting_reason"]!.GetValue<string>());
        var call = waiting[phone]["calls"]!.AsArray().Single()!;
        Assert.Equal(first, call["call_id"]!.GetValue<string>());
        Assert.Equal("failed", call["outcome"]!.GetValue<string>());

        app.Clock.Advance(TimeSpan.FromMinutes(5));
        var second = Scenario.CallId(id, phone, 2);
        await Eventually.UntilAsync(() => Task.FromResult(app.Requests.Count(r => r.Body["call_id"]!.GetValue<string>() == second)), n => n == 1, "the retry is requested");
        await Scenario.ReportAsync(client, second, "answered", "interested");

        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        Assert.Equal(2, done["calls_made"]!.GetValue<int>());
        Assert.Equal(1, done["calls_connected"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 1 }, done.Dispositions());
        var late = await Scenario.ReportAsync(client, first, "answered", "interested");
        Assert.False(late["recorded"]!.GetValue<bool>()); // the timed-out attempt keeps its first result
    }
}
