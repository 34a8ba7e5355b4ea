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
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 1, "the call starts");

        var queues = app.Service<EngineQueues>();
        var message = new OutcomeMessage(Scenario.CallId(id, phone, 1), "answered", "interested", 42);
        await queues.SendOutcomeAsync(message, TimeSpan.Zero, CancellationToken.None);
        await queues.SendOutcomeAsync(message, TimeSpan.Zero, CancellationToken.None);

        var done = await Scenario.UntilStatusAsync(client, id, "completed");
        await Eventually.UntilAsync(async () => (await queues.Outcomes.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n <= 1, "both copies are consumed (the simulator's own result, an hour away, stays)");
        done = await Scenario.CampaignAsync(client, id);
        Assert.Equal(1, done["calls_made"]!.GetValue<int>());
        Assert.Equal(1, done["calls_connected"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 1 }, done.Dispositions());
    }

    [Fact]
    public async Task A_timer_with_an_old_token_does_nothing_and_a_repeated_valid_one_dials_nobody_twice()
    {
        var (client, key) = await app.NewAccountAsync();
        var phones = Enumerable.Range(210, 3).Select(Scenario.NewYork).ToList();
        var id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p)));
        await Scenario.StartAsync(client, id);
        await Scenario.UntilContactsAsync(client, id, c => c.Count("dialing") == 2, "two calls start");

        var account = await app.AccountOfAsync(key);
        var campaigns = app.Service<CampaignStore>();
        var engine = app.Service<CampaignEngine>();
        var before = (await campaigns.GetAsync(account, id, CancellationToken.None))!;

        await engine.HandleAsync(new TimerMessage(account, id, "a-token-from-before-a-pause", app.Clock.GetUtcNow()), CancellationToken.None);
        var after = (await campaigns.GetAsync(account, id, CancellationToken.None))!;
        Assert.Equal(before.Engine.LastTickAt, after.Engine.LastTickAt);

        // The live timer, delivered three times at once: the lease lets one tick in, and the line cap holds.
        var live = new TimerMessage(account, id, after.Engine.TimerToken, after.Engine.TimerDueAt?.ToDateTimeOffset() ?? app.Clock.GetUtcNow());
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => engine.HandleAsync(live, CancellationToken.None)));
        var contacts = await Scenario.ContactsAsync(client, id);
        Assert.Equal(2, contacts.Count("dialing"));
        Assert.Equal(2, (await Scenario.CampaignAsync(client, id))["calls_made"]!.GetValue<int>());
        Assert.All(contacts.Values, c => Assert.True(c["attempts"]!.GetValue<int>() <= 1));
    }

    [Fact]
    public async Task A_message_that_always_fails_goes_to_the_poison_queue_after_five_tries()
    {
        var queues = app.Service<EngineQueues>();
        var poison = new Azure.Storage.Queues.QueueClient(app.StorageConnectionString, queues.Timers.Name + "-poison",
            new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 });
        await queues.Timers.SendMessageAsync("this is not a timer");

        var poisoned = await Eventually.UntilAsync(async () =>
        {
            if (!(await poison.ExistsAsync()).Value)
                return null;
            var peeked = await poison.PeekMessagesAsync(32);
            return peeked.Value.FirstOrDefault(m => m.MessageText == "this is not a timer");
        }, m => m is not null, "the message is poisoned", TimeSpan.FromSeconds(60));
        Assert.NotNull(poisoned);
    }
}
