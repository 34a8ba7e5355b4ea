using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

/// <summary>Two lines (Engine:MaxCallsInProgress = 2); simulated calls last an hour, so the test ends each call itself.</summary>
public sealed class When_calls_are_paced_and_paused(LongCallsFixture app) : IClassFixture<LongCallsFixture>
{
    [Fact]
    public async Task Never_more_calls_than_lines_and_contacts_are_dialed_in_order()
    {
        var (client, _) = await app.NewAccountAsync();
        var phones = Enumerable.Range(10, 5).Select(Scenario.NewYork).ToList();
        var id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p)));
        await Scenario.StartAsync(client, id);

        var finished = 0;
        while (finished < phones.Count)
        {
            var contacts = await Scenario.UntilContactsAsync(client, id,
                c => c.Count("dialing") == Math.Min(2, phones.Count - finished), $"{Math.Min(2, phones.Count - finished)} calls in progress");
            Assert.True(contacts.Count("dialing") <= 2);
            var dialing = contacts.Where(c => c.Value["status"]!.GetValue<string>() == "dialing").Select(c => c.Key).Order(StringComparer.Ordinal).First();
            Assert.Equal(phones[finished], dialing); // due order: equal due times go in number order
            var result = await Scenario.ReportAsync(client, Scenario.CallId(id, dialing, 1), "answered", "interested");
            Assert.True(result["recorded"]!.GetValue<bool>());
            finished++;
            var campaign = await Scenario.CampaignAsync(client, id);
            Assert.True(campaign["calls_made"]!.GetValue<int>() <= finished + 2);
        }
        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        Assert.Equal(5, done["calls_made"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 5 }, done.Dispositions());
    }

    [Fact]
    public async Task Paused_calls_in_progress_finish_and_are_recorded_but_no_new_call_starts()
    {
        var (client, _) = await app.NewAccountAsync();
        var phones = Enumerable.Range(20, 4).Select(Scenario.NewYork).ToList();
        var id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p)));
        await Scenario.StartAsync(client, id);
        var first = await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 2, "two calls start");

        Assert.Equal("paused", (await (await client.PatchAsync(id, "pause")).BodyAsync())["status"]!.GetValue<string>());
        foreach (var phone in first.Where(c => c.Value["status"]!.GetValue<string>() == "dialing").Select(c => c.Key))
            await Scenario.ReportAsync(client, Scenario.CallId(id, phone, 1), "answered", "interested");

        var paused = await Scenario.CampaignAsync(client, id);
        Assert.Equal(2, paused["calls_made"]!.GetValue<int>());
        Assert.Equal(2, paused["calls_connected"]!.GetValue<int>());
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        var stillPaused = await Scenario.ContactsAsync(client, id);
        Assert.Equal(0, stillPaused.Count("dialing"));
        Assert.Equal(2, stillPaused.Values.Count(c => c["waiting_reason"]?.GetValue<string>() == "campaign_paused"));

        Assert.Equal("running", (await (await client.PatchAsync(id, "resume")).BodyAsync())["status"]!.GetValue<string>());
        await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 2, "the other two are called after resume");
    }

    [Fact]
    public async Task Stopped_pending_contacts_are_never_dialed()
    {
        var (client, _) = await app.NewAccountAsync();
        var phones = Enumerable.Range(30, 4).Select(Scenario.NewYork).ToList();
        var id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p)));
        await Scenario.StartAsync(client, id);
        var calling = await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 2, "two calls start");
        Assert.Equal("stopped", (await (await client.PatchAsync(id, "stop")).BodyAsync())["status"]!.GetValue<string>());

        foreach (var phone in calling.Where(c => c.Value["status"]!.GetValue<string>() == "dialing").Select(c => c.Key))
            await Scenario.ReportAsync(client, Scenario.CallId(id, phone, 1), "no_answer");
        app.Clock.Advance(TimeSpan.FromHours(5));

        var contacts = await Scenario.ContactsAsync(client, id);
        Assert.Equal(2, contacts.Values.Count(c => c["attempts"]!.GetValue<int>() == 0 && c["waiting_reason"]!.GetValue<string>() == "campaign_stopped"));
        var campaign = await Scenario.CampaignAsync(client, id);
        Assert.Equal("stopped", campaign["status"]!.GetValue<string>());
        Assert.Equal(2, campaign["calls_made"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_removed_contact_is_never_dialed_and_the_campaign_still_completes()
    {
        var (client, _) = await app.NewAccountAsync();
        var phones = Enumerable.Range(40, 3).Select(Scenario.NewYork).ToList();
        var id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p)));
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 2, "two calls start");

        var removal = await (await client.RemoveContactsAsync(id, phones[2], phones[0])).BodyAsync();
        Assert.Equal(1, removal["removed"]!.GetValue<int>());
        Assert.Equal(1, removal["already_called"]!.GetValue<int>());
        await Scenario.ReportAsync(client, Scenario.CallId(id, phones[0], 1), "answered", "interested");
        await Scenario.ReportAsync(client, Scenario.CallId(id, phones[1], 1), "voicemail");

        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        Assert.Equal(2, done["calls_made"]!.GetValue<int>());
        Assert.Equal(3, done["total_contacts"]!.GetValue<int>());
        var removed = (await Scenario.ContactsAsync(client, id))[phones[2]];
        Assert.Equal("removed", removed["status"]!.GetValue<string>());
        Assert.Equal(0, removed["attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_result_reported_twice_counts_once()
    {
        var (client, _) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(50);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(phone)]);
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 1, "the call starts");

        var first = await Scenario.ReportAsync(client, Scenario.CallId(id, phone, 1), "answered", "interested");
        var again = await Scenario.ReportAsync(client, Scenario.CallId(id, phone, 1), "no_answer");
        Assert.True(first["recorded"]!.GetValue<bool>());
        Assert.False(again["recorded"]!.GetValue<bool>());
        Assert.Equal("duplicate", again["reason"]!.GetValue<string>());

        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        Assert.Equal(1, done["calls_made"]!.GetValue<int>());
        Assert.Equal(1, done["calls_connected"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 1 }, done.Dispositions());
    }

    [Fact]
    public async Task A_result_for_an_unknown_or_foreign_call_is_404()
    {
        var (owner, _) = await app.NewAccountAsync();
        var (stranger, _) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(60);
        var id = await Scenario.CreateAsync(owner, [Scenario.Contact(phone)]);
        await Scenario.StartAsync(owner, id);
        await Scenario.UntilContactsAsync(owner, id, c => c.Count("dialing") == 1, "the call starts");

        var foreign = await stranger.PostAsync($"/v1/calls/{Scenario.CallId(id, phone, 1)}/result", Requests.Json("""{"outcome": "answered"}"""));
        await foreign.ProblemAsync(System.Net.HttpStatusCode.NotFound);
        var unknown = await owner.PostAsync($"/v1/calls/{Scenario.CallId(id, phone, 7)}/result", Requests.Json("""{"outcome": "answered"}"""));
        await unknown.ProblemAsync(System.Net.HttpStatusCode.NotFound);
        var bad = await owner.PostAsync($"/v1/calls/{Scenario.CallId(id, phone, 1)}/result", Requests.Json("""{"outcome": "hung_up"}"""));
        Assert.True((await bad.ProblemAsync(System.Net.HttpStatusCode.BadRequest)).FieldErrors().ContainsKey("outcome"));
    }
}
