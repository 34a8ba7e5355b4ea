using Campaigns.Domain.Campaigns;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Campaigns.Domain.Tests.Campaigns;

public sealed class CampaignTransitionsTests
{
    public static TheoryData<CampaignStatus, CampaignTrigger, CampaignStatus?> EveryPair()
    {
        // The whole table, written out once more by hand: null = illegal.
        var expected = new Dictionary<(CampaignStatus, CampaignTrigger), CampaignStatus?>
        {
            [(CampaignStatus.Scheduled, CampaignTrigger.Start)] = CampaignStatus.Running,
            [(CampaignStatus.Scheduled, CampaignTrigger.ScheduleStarted)] = CampaignStatus.Running,
            [(CampaignStatus.Scheduled, CampaignTrigger.Stop)] = CampaignStatus.Stopped,
            [(CampaignStatus.Scheduled, CampaignTrigger.Finished)] = CampaignStatus.Completed,
            [(CampaignStatus.Running, CampaignTrigger.Pause)] = CampaignStatus.Paused,
            [(CampaignStatus.Running, CampaignTrigger.Stop)] = CampaignStatus.Stopped,
            [(CampaignStatus.Running, CampaignTrigger.Finished)] = CampaignStatus.Completed,
            [(CampaignStatus.Paused, CampaignTrigger.Resume)] = CampaignStatus.Running,
            [(CampaignStatus.Paused, CampaignTrigger.Stop)] = CampaignStatus.Stopped,
            [(CampaignStatus.Paused, CampaignTrigger.Finished)] = CampaignStatus.Completed,
        };
        var data = new TheoryData<CampaignStatus, CampaignTrigger, CampaignStatus?>();
        foreach (var status in Enum.GetValues<CampaignStatus>())
        foreach (var trigger in Enum.GetValues<CampaignTrigger>())
            data.Add(status, trigger, expected.GetValueOrDefault((status, trigger)));
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Apply_EveryStatusAndTrigger_MatchesTheTableOrThrows(CampaignStatus from, CampaignTrigger trigger, CampaignStatus? expected)
    {
        if (expected is { } to)
        {
            Assert.Equal(to, CampaignTransitions.Apply(from, trigger));
            return;
        }
        var error = Assert.Throws<IllegalTransitionException>(() => CampaignTransitions.Apply(from, trigger));
        Assert.Equal(from, error.Current);
        Assert.Equal(trigger, error.Trigger);
        Assert.Contains(from.ToWire(), error.Message);
        Assert.Contains(trigger.ToWire(), error.Message);
    }

    [Fact]
    public void Rows_ListsTenLegalTransitions()
    {
        Assert.Equal(10, CampaignTransitions.Rows.Count());
    }

    [Property(MaxTest = 500)]
    public Property AnySequenceOfActions_NeverLeavesAFinalStatus()
    {
        var triggers = Gen.Elements(Enum.GetValues<CampaignTrigger>()).ListOf();
        return Prop.ForAll(triggers.ToArbitrary(), sequence =>
        {
            var status = CampaignStatus.Scheduled;
            var wasFinal = false;
            foreach (var trigger in sequence)
            {
                if (CampaignTransitions.TryApply(status, trigger, out var next))
                    status = next;
                if (wasFinal && !CampaignTransitions.IsFinal(status))
                    return false;
                wasFinal |= CampaignTransitions.IsFinal(status);
            }
            return true;
        });
    }

    [Theory]
    [InlineData("start", CampaignTrigger.Start)]
    [InlineData("pause", CampaignTrigger.Pause)]
    [InlineData("resume", CampaignTrigger.Resume)]
    [InlineData("stop", CampaignTrigger.Stop)]
    public void TryParseAction_OperatorActions_AreRecognised(string text, CampaignTrigger expected)
    {
        Assert.True(CampaignStatusNames.TryParseAction(text, out var action));
        Assert.Equal(expected, action);
    }

    [Theory]
    [InlineData("schedule_started")]
    [InlineData("finished")]
    [InlineData("STOP")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParseAction_EngineEventsAndUnknownWords_AreNotActions(string? text)
    {
        Assert.False(CampaignStatusNames.TryParseAction(text, out _));
    }
}
