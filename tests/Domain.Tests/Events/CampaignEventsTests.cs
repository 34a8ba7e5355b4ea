using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Events;

namespace Campaigns.Domain.Tests.Events;

public sealed class CampaignEventsTests
{
    [Fact]
    public void Every_legal_status_change_announces_exactly_one_event()
    {
        foreach (var (from, trigger, to) in CampaignTransitions.Rows)
        {
            var type = CampaignEvents.ForTransition(from, to);
            Assert.True(type is not null && EventTypes.IsKnown(type), $"{from} --{trigger}--> {to} announces nothing");
        }
    }

    [Theory]
    [InlineData(CampaignStatus.Scheduled, CampaignStatus.Running, "campaign.started")]
    [InlineData(CampaignStatus.Running, CampaignStatus.Paused, "campaign.paused")]
    [InlineData(CampaignStatus.Paused, CampaignStatus.Running, "campaign.resumed")]
    [InlineData(CampaignStatus.Paused, CampaignStatus.Stopped, "campaign.stopped")]
    [InlineData(CampaignStatus.Running, CampaignStatus.Completed, "campaign.completed")]
    public void A_status_change_names_what_happened(CampaignStatus from, CampaignStatus to, string expected) =>
        Assert.Equal(expected, CampaignEvents.ForTransition(from, to));

    [Fact]
    public void A_write_that_keeps_the_status_announces_nothing() =>
        Assert.Null(CampaignEvents.ForTransition(CampaignStatus.Running, CampaignStatus.Running));

    [Fact]
    public void A_change_the_transition_table_does_not_allow_has_no_event() =>
        Assert.Throws<InvalidOperationException>(() => CampaignEvents.ForTransition(CampaignStatus.Completed, CampaignStatus.Running));

    [Fact]
    public void A_campaign_created_running_announces_created_then_started() =>
        Assert.Equal(["campaign.created", "campaign.started"], CampaignEvents.ForCreation(CampaignStatus.Running));

    [Fact]
    public void Events_of_one_instant_sort_opening_first_calls_in_order_and_closing_last()
    {
        var types = new[] { "campaign.completed", "contact.resolved", "call.completed", "call.started", "campaign.started", "campaign.created" };
        Assert.Equal(types.Reverse(), types.OrderBy(CampaignEvents.Rank));
    }

    [Theory]
    [InlineData("*", "call.completed", true)]
    [InlineData("call.*", "call.completed", true)]
    [InlineData("call.*", "campaign.started", false)]
    [InlineData("call.completed", "call.completed", true)]
    [InlineData("call.completed", "call.started", false)]
    public void A_filter_matches_exact_types_subject_wildcards_and_everything(string filter, string type, bool matches) =>
        Assert.Equal(matches, EventTypes.Matches(filter, type));

    [Theory]
    [InlineData("*", true)]
    [InlineData("upload.*", true)]
    [InlineData("contact.resolved", true)]
    [InlineData("contact.created", false)]
    [InlineData("robot.*", false)]
    [InlineData("", false)]
    public void Only_known_types_and_subjects_make_valid_filters(string filter, bool valid) =>
        Assert.Equal(valid, EventTypes.IsValidFilter(filter));
}
