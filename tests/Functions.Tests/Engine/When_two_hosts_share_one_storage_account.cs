using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

public sealed class TwoHostsFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["Simulator:CallSeconds"] = "0",
    ["Engine:MaxCallsInProgress"] = "10",
});

public sealed class When_two_hosts_share_one_storage_account(TwoHostsFixture app) : IClassFixture<TwoHostsFixture>
{
    [Fact]
    public async Task Both_work_the_same_queues_and_no_contact_is_dialed_twice()
    {
        await using var second = await app.StartAnotherHostAsync();
        var (client, _) = await app.NewAccountAsync();
        var phones = Enumerable.Range(100, 60).Select(Scenario.NewYork).ToList();
        var id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p, "interested")));
        await Scenario.StartAsync(client, id);

        var done = await Scenario.UntilStatusAsync(client, id, "completed", TimeSpan.FromSeconds(60));

        Assert.Equal(60, done["calls_made"]!.GetValue<int>());
        Assert.Equal(60, done["calls_connected"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 60 }, done.Dispositions());
        Assert.All((await Scenario.ContactsAsync(client, id)).Values, c => Assert.Equal(1, c["attempts"]!.GetValue<int>()));
    }
}
