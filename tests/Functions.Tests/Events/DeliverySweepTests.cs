using Campaigns.Functions.Integration.Events;
using NodaTime;

namespace Campaigns.Functions.Tests.Events;

public class DeliverySweepTests
{
    private static readonly Instant Noon = Instant.FromUtc(2026, 3, 2, 12, 0);

    private static readonly string[] Campaigns = Enumerable.Range(0, 300).Select(i => $"cmp_{i:x8}{i * 7919 % 1000:000}").ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(60)]
    public void Every_campaign_is_looked_at_in_exactly_one_minute_of_each_period(int every)
    {
        foreach (var campaign in Campaigns)
        {
            var due = Enumerable.Range(0, every).Count(m => DeliverySweep.IsDue(campaign, Noon + Duration.FromMinutes(m), every));
            Assert.Equal(1, due);
        }
    }

    [Fact]
    public void Within_a_minute_the_answer_does_not_change_and_it_comes_back_a_period_later()
    {
        foreach (var campaign in Campaigns)
        {
            var minute = Enumerable.Range(0, 15).First(m => DeliverySweep.IsDue(campaign, Noon + Duration.FromMinutes(m), 15));
            var start = Noon + Duration.FromMinutes(minute);
            Assert.True(DeliverySweep.IsDue(campaign, start + Duration.FromSeconds(59.9), 15));
            Assert.True(DeliverySweep.IsDue(campaign, start + Duration.FromMinutes(15), 15));
            Assert.False(DeliverySweep.IsDue(campaign, start + Duration.FromMinutes(1), 15));
        }
    }

    [Fact]
    public void The_load_is_spread_over_the_minutes_of_a_period()
    {
        var perMinute = Enumerable.Range(0, 15)
            .Select(m => Campaigns.Count(c => DeliverySweep.IsDue(c, Noon + Duration.FromMinutes(m), 15))).ToList();
        Assert.All(perMinute, n => Assert.InRange(n, 5, 40)); // 20 on average for 300 campaigns
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_period_below_one_minute_means_every_minute(int every) =>
        Assert.All(Campaigns, c => Assert.True(DeliverySweep.IsDue(c, Noon, every)));
}
