using Campaigns.Domain.Webhooks;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace Campaigns.Domain.Tests.Webhooks;

public sealed class WebhookBackoffTests
{
    private static readonly Instant First = Instant.FromUtc(2026, 3, 2, 15, 0);

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(4, 240)]
    [InlineData(5, 480)]
    [InlineData(6, 960)]
    [InlineData(7, 1920)]
    [InlineData(8, 3600)]   // 3,840 s capped at 1 hour
    [InlineData(9, 3600)]
    [InlineData(29, 3600)]
    [InlineData(int.MaxValue, 3600)]
    public void DelayAfter_NthFailure_IsThirtySecondsDoubledCappedAtAnHour(int failed, int seconds) =>
        Assert.Equal(Duration.FromSeconds(seconds), WebhookBackoff.DelayAfter(failed));

    [Fact]
    public void NextAttemptAt_FirstFailure_IsThirtySecondsLater() =>
        Assert.Equal(First + Duration.FromSeconds(30), WebhookBackoff.NextAttemptAt(1, First, First));

    [Fact]
    public void NextAttemptAt_CountsFromTheFailedAttemptNotTheFirst()
    {
        var now = First + Duration.FromMinutes(10);
        Assert.Equal(now + Duration.FromMinutes(4), WebhookBackoff.NextAttemptAt(4, First, now));
    }

    [Fact]
    public void NextAttemptAt_ExactlyAtTheDeadline_IsStillPlanned() =>
        Assert.Equal(First + Duration.FromHours(24), WebhookBackoff.NextAttemptAt(10, First, First + Duration.FromHours(23)));

    [Fact]
    public void NextAttemptAt_PastTheDeadline_GivesUp() =>
        Assert.Null(WebhookBackoff.NextAttemptAt(10, First, First + Duration.FromHours(23) + Duration.FromSeconds(1)));

    [Fact]
    public void NextAttemptAt_ShortDelayJustBeforeTheDeadline_IsPlanned() =>
        Assert.Equal(First + Duration.FromHours(24), WebhookBackoff.NextAttemptAt(1, First, First + Duration.FromHours(24) - Duration.FromSeconds(30)));

    [Fact]
    public void NextAttemptAt_OnTimeAttempts_FollowTheDocumentedScheduleAndStopAfterThirty()
    {
        var starts = new List<Duration> { Duration.Zero };
        var now = First;
        for (var failed = 1; ; failed++)
        {
            if (WebhookBackoff.NextAttemptAt(failed, First, now) is not { } next)
                break;
            now = next;
            starts.Add(now - First);
        }

        Assert.Equal(30, starts.Count);
        Assert.Equal(
            new[] { "0:00:00:00", "0:00:00:30", "0:00:01:30", "0:00:03:30", "0:00:07:30", "0:00:15:30", "0:00:31:30", "0:01:03:30", "0:02:03:30" },
            starts.Take(9).Select(d => d.ToString("D:hh:mm:ss", null)));
        Assert.Equal(Duration.FromHours(23) + Duration.FromMinutes(3) + Duration.FromSeconds(30), starts[^1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void NextAttemptAt_NoFailedAttempt_Throws(int failed) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookBackoff.NextAttemptAt(failed, First, First));

    [Fact]
    public void NextAttemptAt_NowBeforeTheFirstAttempt_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookBackoff.NextAttemptAt(1, First, First - Duration.FromSeconds(1)));

    [Property(MaxTest = 500)]
    public Property NextAttemptAt_WhenPlanned_IsAfterNowWithinTheCapAndTheDeadline() =>
        Prop.ForAll(Gen.Choose(1, 100).SelectMany(f => Gen.Choose(0, 26 * 3600).Select(e => (f, e))).ToArbitrary(), c =>
        {
            var (failed, elapsed) = c;
            var now = First + Duration.FromSeconds(elapsed);
            var next = WebhookBackoff.NextAttemptAt(failed, First, now);
            var delay = WebhookBackoff.DelayAfter(failed);
            return next is { } at
                ? at > now && at - now <= Duration.FromHours(1) && at <= First + Duration.FromHours(24)
                : now + delay > First + Duration.FromHours(24);
        });
}
