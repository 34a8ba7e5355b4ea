using Campaigns.LocalHost.Triggers.Timers;

namespace Campaigns.LocalHost.Tests.Units;

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
    [InlineData("0 0 0 1 1 *", "2027-01-01T00:00:00")]
    [InlineData("0 0 12 29 2 *", "2028-02-29T12:00:00")]
    public void NextAfter_FollowsTheSixFieldSchedule(string expression, string expected) =>
        Assert.Equal(DateTime.Parse(expected + "Z").ToUniversalTime(), NCrontab.Parse(expression).NextAfter(Start));

    [Theory]
    [InlineData("* * * * *")]
    [InlineData("61 * * * * *")]
    [InlineData("* * * * * 9")]
    public void Parse_InvalidExpression_IsRefused(string expression) => Assert.Throws<FormatException>(() => NCrontab.Parse(expression));
}
