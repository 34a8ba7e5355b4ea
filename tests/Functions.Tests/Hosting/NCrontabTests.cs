using Campaigns.LocalHost.Triggers.Timers;

namespace Campaigns.Functions.Tests.Hosting;

public sealed class NCrontabTests
{
    private static readonly DateTime Start = new(2026, 3, 2, 10, 15, 30, DateTimeKind.Utc);

    [Theory]
    [InlineData("0 * * * * *", "2026-03-02T10:16:00")]
    [InlineData("*/15 * * * * *", "2026-03-02T10:15:45")]
    [InlineData("0 0 */6 * * *", "2026-03-02T12:00:00")]
    [InlineData("0 30 9 * * 1-5", "2026-03-03T09:30:00")]
    [InlineData("0 0 0 1 * *", "2026-04-01T00:00:00")]
    [InlineData("5,10 * * * * *", "2026-03-02T10:16:05")]
    public void NextAfter_FollowsTheSixFieldSchedule(string expression, string expected) =>
        Assert.Equal(DateTime.Parse(expected + "Z").ToUniversalTime(), NCrontab.Parse(expression).NextAfter(Start));

    [Fact]
    public void Parse_FiveFields_IsRefused() => Assert.Throws<FormatException>(() => NCrontab.Parse("* * * * *"));

    [Fact]
    public void TheSweepSchedule_FiresEveryMinute()
    {
        var sweep = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "CampaignSweep", "function.json")))!;
        var schedule = NCrontab.Parse(sweep["bindings"]![0]!["schedule"]!.GetValue<string>());
        var first = schedule.NextAfter(Start);
        Assert.Equal(TimeSpan.FromMinutes(1), schedule.NextAfter(first) - first);
    }
}
