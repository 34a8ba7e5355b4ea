using Campaigns.Domain.Calls;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace Campaigns.Domain.Tests.Calls;

public sealed class RetryPolicyTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 3, 2, 15, 0);

    [Fact]
    public void Decide_Answered_ResolvesWithTheAgentsDisposition()
    {
        var decision = RetryPolicy.Decide(CallOutcome.Answered, "interested", 1, 3, 120, Now, null);
        Assert.Equal(new RetryDecision.Resolve("interested"), decision);
    }

    [Fact]
    public void Decide_AnsweredWithoutLabel_ResolvesAsCompleted() =>
        Assert.Equal(new RetryDecision.Resolve(Dispositions.Completed), RetryPolicy.Decide(CallOutcome.Answered, " ", 1, 3, 120, Now, null));

    [Theory]
    [InlineData(CallOutcome.NoAnswer)]
    [InlineData(CallOutcome.Busy)]
    [InlineData(CallOutcome.Failed)]
    [InlineData(CallOutcome.Voicemail)]
    public void Decide_Unanswered_RetriesAfterTheInterval(CallOutcome outcome) =>
        Assert.Equal(new RetryDecision.RetryAt(Now + Duration.FromMinutes(120)), RetryPolicy.Decide(outcome, null, 1, 3, 120, Now, null));

    [Fact]
    public void Decide_LastAttemptUnanswered_IsNotReachable() =>
        Assert.Equal(new RetryDecision.Resolve(Dispositions.NotReachable), RetryPolicy.Decide(CallOutcome.Busy, null, 3, 3, 120, Now, null));

    [Fact]
    public void Decide_SingleAttemptCampaign_NeverRetries() =>
        Assert.Equal(new RetryDecision.Resolve(Dispositions.NotReachable), RetryPolicy.Decide(CallOutcome.NoAnswer, null, 1, 1, 240, Now, null));

    [Fact]
    public void Decide_RetryAtOrAfterScheduleEnd_IsNotReachableNow()
    {
        Assert.Equal(new RetryDecision.Resolve(Dispositions.NotReachable), RetryPolicy.Decide(CallOutcome.NoAnswer, null, 1, 3, 120, Now, Now + Duration.FromMinutes(120)));
        Assert.IsType<RetryDecision.RetryAt>(RetryPolicy.Decide(CallOutcome.NoAnswer, null, 1, 3, 120, Now, Now + Duration.FromMinutes(121)));
    }

    [Property(MaxTest = 500)]
    public Property Decide_AContactGetsExactlyMaxAttemptsWhenNeverAnswered()
    {
        var cases = Gen.Choose(1, 5).SelectMany(max => Gen.Choose(1, 10080).Select(interval => (max, interval)));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var attempts = 0;
            var now = Now;
            while (true)
            {
                attempts++;
                var decision = RetryPolicy.Decide(CallOutcome.NoAnswer, null, attempts, c.max, c.interval, now, null);
                if (decision is RetryDecision.Resolve resolve)
                    return attempts == c.max && resolve.Disposition == Dispositions.NotReachable;
                var retry = (RetryDecision.RetryAt)decision;
                if (retry.At - now != Duration.FromMinutes(c.interval))
                    return false;
                now = retry.At;
            }
        });
    }

    [Theory]
    [InlineData(10, 0, 10)]
    [InlineData(10, 3, 7)]
    [InlineData(10, 10, 0)]
    [InlineData(10, 12, 0)]
    [InlineData(2, -1, 2)]
    public void Pacing_Available_IsTheFreeLinesAndNeverNegative(int cap, int inProgress, int expected) =>
        Assert.Equal(expected, Pacing.Available(cap, inProgress));
}
