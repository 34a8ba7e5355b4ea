using Campaigns.Domain.Calls;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Azure.Data.Tables;
using NodaTime;

namespace Campaigns.Functions.Tests.Events;

public sealed class OutboxRowsTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 3, 2, 15, 0);

    [Fact]
    public void InShardPartition_ManyEvents_IsOneRowThatGivesThemBackInOrder()
    {
        var events = Enumerable.Range(0, 150).Select(i => i % 2 == 0
            ? OutboxEvent.CallStarted("acct_1", new AttemptId("cmp_1", 3, $"+1212555{i:D4}", 1), At)
            : OutboxEvent.ContactResolved("acct_1", "cmp_1", $"+1212555{i:D4}", "interested ✓", 2, At)).ToList();

        var action = OutboxRows.InShardPartition("cmp_1~003", events);

        Assert.True(OutboxRows.IsOutboxRow(action));
        Assert.Equal(("acct_1", "cmp_1"), OutboxRows.Owner(action.Entity));
        Assert.Equal(events, PackedOutboxRow.Read((TableEntity)action.Entity).DecodeAll());
    }

    [Fact]
    public void InShardPartition_EventsOfTwoCampaigns_IsRefused()
    {
        var a = OutboxEvent.ContactResolved("acct_1", "cmp_1", "+12125550001", "done", 1, At);
        var b = OutboxEvent.ContactResolved("acct_1", "cmp_2", "+12125550002", "done", 1, At);
        Assert.Throws<ArgumentException>(() => OutboxRows.InShardPartition("cmp_1~000", [a, b]));
    }

    [Fact]
    public void RowKeys_SortByTimeInsideTheirRange()
    {
        var early = OutboxRows.InShardPartition("p", OutboxEvent.ContactResolved("a", "cmp_1", "+12125550001", "x", 1, At)).Entity.RowKey;
        var late = OutboxRows.InShardPartition("p", OutboxEvent.ContactResolved("a", "cmp_1", "+12125550001", "x", 1, At + Duration.FromMilliseconds(1))).Entity.RowKey;
        var shard = new OutboxPartition(OutboxTable.Contacts, "p");
        Assert.True(string.CompareOrdinal(early, late) < 0);
        Assert.All([early, late], key => Assert.True(string.CompareOrdinal(key, OutboxRows.RowStart(shard, "cmp_1")) >= 0
            && string.CompareOrdinal(key, OutboxRows.RowEnd(shard, "cmp_1")) < 0));
    }
}
