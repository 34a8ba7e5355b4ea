using System.Text.Json.Nodes;
using Campaigns.Functions.Integration.Events;
using NodaTime;

namespace Campaigns.Functions.Tests.Events;

public sealed class CloudEventJsonTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 3, 2, 15, 0, 7) + Duration.FromMilliseconds(250);

    [Fact]
    public void Build_PutsCampaignIdAndNameFirstInDataThenTheEventsOwnFields()
    {
        var e = OutboxEvent.ContactResolved("acct_1", "cmp_1", "+14155550100", "not_reachable", 3, At);

        var json = JsonNode.Parse(CloudEventJson.Build(e, 5, "Loan \"renewals\" – März"))!.AsObject();

        Assert.Equal("000000000005", json["sequence"]!.GetValue<string>());
        Assert.Equal("2026-03-02T15:00:07.25Z", json["time"]!.GetValue<string>());
        var data = json["data"]!.AsObject();
        Assert.Equal(["campaign_id", "campaign_name", "phone", "disposition", "attempts"], data.Select(p => p.Key));
        Assert.Equal("Loan \"renewals\" – März", data["campaign_name"]!.GetValue<string>());
        Assert.Equal(3, data["attempts"]!.GetValue<int>());
    }

    [Fact]
    public void Build_WithoutANameOrDataFields_IsStillValidJson()
    {
        var e = new OutboxEvent("evt_1", "campaign.created", At, "acct_1", "cmp_1", "campaigns/cmp_1", "{}");

        var data = JsonNode.Parse(CloudEventJson.Build(e, 1, null))!["data"]!.AsObject();

        Assert.Equal(["campaign_id", "campaign_name"], data.Select(p => p.Key));
        Assert.Null(data["campaign_name"]);
    }

    [Fact]
    public void Build_TheSameEventTwice_GivesTheSameBytes()
    {
        var e = OutboxEvent.ContactResolved("acct_1", "cmp_1", "+14155550100", "interested", 1, At);
        Assert.Equal(CloudEventJson.Build(e, 9, "A"), CloudEventJson.Build(e, 9, "A"));
    }

    [Fact]
    public void Build_after_a_larger_event_on_the_same_thread_carries_nothing_of_it()
    {
        var large = new OutboxEvent("evt_large", "call.completed", At, "acct_1", "cmp_1", "calls/x", "{ \"note\":\"" + new string('x', 5_000) + "\",\"n\":1}");
        var small = new OutboxEvent("evt_small", "campaign.created", At, "acct_2", "cmp_2", "campaigns/cmp_2", "{\"n\":2}");

        CloudEventJson.Build(large, 1, "Large");
        var json = JsonNode.Parse(CloudEventJson.Build(small, 2, null))!.AsObject();

        Assert.Equal("evt_small", json["id"]!.GetValue<string>());
        Assert.Equal("""{"campaign_id":"cmp_2","campaign_name":null,"n":2}""", json["data"]!.ToJsonString());
    }
}
