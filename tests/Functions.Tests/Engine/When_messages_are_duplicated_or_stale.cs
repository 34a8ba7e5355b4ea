using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

public sealed class When_messages_are_duplicated_or_stale(LongCallsFixture app) : IClassFixture<LongCallsFixture>
{
    [Fact]
    public async Task A_result_message_delivered_twice_counts_once()
    {
        var (client, key) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(200);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(phone)]);
        var queues = app.Service<EngineQueues>();
        async Task<int> QueuedAsync() => (await queues.Outcomes.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        // Read before the start: the other tests' simulated results (an hour away) and, after the start, this call's own.
        var waiting = await QueuedAsync() + 1;
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 1, "the call starts");

        var message = new OutcomeMessage(Scenario.CallId(id, phone, 1), "answered", "interested", 42);
        await queues.SendOutcomeAsync(message, TimeSpan.Zero, CancellationToken.None);
        await queues.SendOutcomeAsync(message, TimeSpan.Zero, CancellationToken.None);

        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        await Eventually.UntilAsync(QueuedAsync, n => n <= waiting, "both copies are consumed (the simulators' own results stay)");
        done = await Scenario.CampaignAsync(client, id);
        Assert.Equal(1, done["calls_made"]!.GetValue<int>());
        Assert.Equal(1, done["calls_connected"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 1 }, done.Dispositions());
    }

    [Fact]
    public async Task A_look_repeated_at_once_and_duplicated_wake_ups_dial_nobody_twice()
    {
        var (client, key) = await app.NewAccountAsync();
        var phones = Enumerable.Range(210, 3).Select(Scenario.NewYork).ToList();
        var id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p)));
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 2, "two calls start");

        var account = await app.AccountOfAsync(key);
        var engine = app.Service<CampaignEngine>();
        var queues = app.Service<EngineQueues>();
        // An activity retried while its first copy still runs (three copies at once), and the same wake-up three times.
        var looks = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => engine.LookAsync(account, id, CancellationToken.None)));
        for (var i = 0; i < 3; i++)
            await queues.WakeAsync(account, id, "duplicated", CancellationToken.None);
        await Eventually.UntilAsync(async () => (await queues.Wakes.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, "the wake-ups are forwarded");

        Assert.All(looks, look => Assert.False(look.Ended));
        var contacts = await Scenario.ContactsAsync(client, id);
        Assert.Equal(2, contacts.Count("dialing"));
        Assert.Equal(2, (await Scenario.CampaignAsync(client, id))["calls_made"]!.GetValue<int>());
        Assert.All(contacts.Values, c => Assert.True(c["attempts"]!.GetValue<int>() <= 1));
    }

    [Fact]
    public async Task A_look_that_comes_early_dials_nobody_and_sleeps_again_until_the_retry_is_due()
    {
        var (client, key) = await app.NewAccountAsync();
        var phone = Scenario.NewYork(220);
        var id = await Scenario.CreateAsync(client, [Scenario.Contact(phone)], maxAttempts: 2, retryMinutes: 30);
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 1, "the call starts");
        var account = await app.AccountOfAsync(key);
        Assert.True(global::Campaigns.Domain.Calls.AttemptId.TryParse(Scenario.CallId(id, phone, 1), out var attempt));
        await app.Service<OutcomeRecorder>().RecordAsync(attempt, global::Campaigns.Domain.Calls.CallOutcome.NoAnswer, null, null, CancellationToken.None);
        await Scenario.UntilContactsAsync(client, id, c => c.Count("pending") == 1, "the no-answer waits for its retry");

        // A durable timer that fires early (or a stray wake-up): the look finds the retry not due and sleeps until it is.
        var look = await app.Service<CampaignEngine>().LookAsync(account, id, CancellationToken.None);
        Assert.False(look.Ended);
        Assert.InRange(look.SleepSeconds!.Value, 1, 30 * 60 + 1); // the retry's due time, and the gathering second
        Assert.Equal(1, (await Scenario.CampaignAsync(client, id))["calls_made"]!.GetValue<int>());
        Assert.Equal(1, (await Scenario.ContactsAsync(client, id)).Count("pending"));
    }

    [Fact]
    public async Task A_message_that_always_fails_goes_to_the_poison_queue_after_five_tries()
    {
        var queues = app.Service<EngineQueues>();
        var poison = new Azure.Storage.Queues.QueueClient(app.StorageConnectionString, queues.Wakes.Name + "-poison",
            new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 });
        await queues.Wakes.SendMessageAsync("this is not a wake-up");

        var poisoned = await Eventually.UntilAsync(async () =>
        {
            if (!(await poison.ExistsAsync()).Value)
                return null;
            var peeked = await poison.PeekMessagesAsync(32);
            return peeked.Value.FirstOrDefault(m => m.MessageText == "this is not a wake-up");
        }, m => m is not null, "the message is poisoned", TimeSpan.FromSeconds(60));
        Assert.NotNull(poisoned);
    }
}
