using Campaigns.LocalHost.Configuration;
using Campaigns.LocalHost.Invocation;
using Campaigns.LocalHost.Triggers.Queues;

namespace Campaigns.LocalHost.Tests.Units;

public sealed class QueueSettlementTests
{
    private static readonly QueueSettings Settings = QueueSettings.Default with { VisibilityTimeout = TimeSpan.FromSeconds(3), MaxPollingInterval = TimeSpan.FromSeconds(1) };

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void After_Success_Deletes(long dequeueCount) =>
        Assert.IsType<QueueSettlement.Delete>(QueueSettlement.After(InvocationStatus.Succeeded, dequeueCount, Settings));

    [Theory]
    [InlineData(InvocationStatus.Failed)]
    [InlineData(InvocationStatus.TimedOut)]
    [InlineData(InvocationStatus.Cancelled)]
    public void After_FailureBeforeTheLastTry_ReleasesAfterTheVisibilityTimeout(InvocationStatus status) =>
        Assert.Equal(new QueueSettlement.Release(TimeSpan.FromSeconds(3)), QueueSettlement.After(status, 4, Settings));

    [Fact]
    public void After_FailureOnTheLastTry_Poisons() => Assert.IsType<QueueSettlement.Poison>(QueueSettlement.After(InvocationStatus.Failed, 5, Settings));

    [Fact]
    public void After_RefusedWhileStopping_GoesBackAtOnceEvenOnTheLastTry() =>
        Assert.Equal(new QueueSettlement.Release(TimeSpan.Zero), QueueSettlement.After(InvocationStatus.Rejected, 5, Settings));

    [Theory]
    [InlineData(5, false)]
    [InlineData(6, true)]
    public void BeforeInvoking_OnlyAMessageReceivedTooOften_IsPoisonedUnrun(long dequeueCount, bool poisoned) =>
        Assert.Equal(poisoned, QueueSettlement.BeforeInvoking(dequeueCount, Settings) is QueueSettlement.Poison);

    [Fact]
    public void NextPollDelay_DoublesFrom100msUpToTheMaximum_AndAMessageResetsIt()
    {
        var delays = new List<TimeSpan>();
        var delay = QueueSettings.MinPollingInterval;
        for (var i = 0; i < 6; i++)
        {
            delays.Add(delay);
            delay = QueueSettlement.NextPollDelay(delay, foundMessages: false, Settings);
        }
        Assert.Equal([100, 200, 400, 800, 1000, 1000], delays.Select(d => d.TotalMilliseconds));
        Assert.Equal(QueueSettings.MinPollingInterval, QueueSettlement.NextPollDelay(delay, foundMessages: true, Settings));
    }
}
