using Azure.Data.Tables;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Events;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Tests.Events;

public sealed class PassRowsTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 3, 2, 15, 0);
    private static readonly TableClient Table = new("UseDevelopmentStorage=true", "contacts"); // never called

    private static TableEntity Row(params OutboxEvent[] events) => (TableEntity)OutboxRows.InShardPartition("cmp_1~000", events).Entity;

    private static OutboxEvent Started(int i, Instant at) => OutboxEvent.CallStarted("acct_1", new AttemptId("cmp_1", 0, $"+1212555{i:D4}", 1), at);

    private static OutboxEvent Resolved(int i, Instant at) => OutboxEvent.ContactResolved("acct_1", "cmp_1", $"+1212555{i:D4}", "done ✓", 1, at);

    [Fact]
    public void A_packed_row_gives_each_event_back_as_made_with_its_type_and_time_read_up_front()
    {
        var events = Enumerable.Range(0, 120).Select(i => i % 3 == 0 ? Resolved(i, At) : Started(i, At)).ToList();
        var packed = PackedOutboxRow.Read(Row([.. events]));

        Assert.Equal(120, packed.Count);
        Assert.Equal(("acct_1", "cmp_1", At.ToUnixTimeTicks()), (packed.AccountId, packed.CampaignId, packed.TimeTicks));
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Same(i % 3 == 0 ? EventTypes.ContactResolved : EventTypes.CallStarted, packed.TypeAt(i)); // one string per type, not one per event
            Assert.Equal(At.ToUnixTimeTicks(), packed.TimeAt(i));
            Assert.Equal(events[i], packed.Decode(i));
        }
        Assert.Equal(events, packed.DecodeAll());
    }

    [Fact]
    public void A_row_that_claims_more_events_than_it_holds_is_refused()
    {
        var row = Row(Started(1, At), Started(2, At));
        row["Count"] = 3;
        Assert.Throws<FormatException>(() => PackedOutboxRow.Read(row));
    }

    [Fact]
    public void A_pass_appends_by_time_then_by_kind_then_by_row_then_as_made_and_lets_each_row_go_once_taken()
    {
        var later = At + Duration.FromMilliseconds(5);
        OutboxEvent r1 = Resolved(1, later), s2 = Started(2, later), s3 = Started(3, At), s4 = Started(4, At), r5 = Resolved(5, At), s6 = Started(6, At);
        // Read in this order from three partitions; in two rows a contact resolved before a call started (the same instant).
        var rowLate = new PendingRow(new OutboxPartition(OutboxTable.Contacts, "cmp_1~001"), Table, "~ob~2~b", PackedOutboxRow.Read(Row(r1, s2)));
        var rowEarlyB = new PendingRow(new OutboxPartition(OutboxTable.Contacts, "cmp_1~002"), Table, "~ob~1~b", PackedOutboxRow.Read(Row(s3, s4)));
        var rowEarlyA = new PendingRow(new OutboxPartition(OutboxTable.Contacts, "cmp_1~003"), Table, "~ob~1~a", PackedOutboxRow.Read(Row(r5, s6)));

        var appended = PassRows.InAppends([rowLate, rowEarlyB, rowEarlyA]).SelectMany(a => a).ToList();

        // At first: the calls started (row a before row b, each as made), then the contact resolved; then the later row the same way.
        Assert.Equal([s6, s3, s4, r5, s2, r1], appended);
        Assert.All([rowLate, rowEarlyA, rowEarlyB], row => Assert.Throws<InvalidOperationException>(() => row.Packed)); // buffers let go
    }

    [Fact]
    public void A_pass_larger_than_an_append_is_cut_into_appends_of_at_most_the_append_size()
    {
        var rows = Enumerable.Range(0, 50).Select(r => new PendingRow(new OutboxPartition(OutboxTable.Contacts, $"cmp_1~{r % 16:D3}"), Table, $"~ob~{r:D4}",
            PackedOutboxRow.Read(Row([.. Enumerable.Range(0, 90).Select(i => Started(r * 90 + i, At + Duration.FromMilliseconds(r)))])))).ToList();

        var appends = PassRows.InAppends(rows).ToList();

        Assert.Equal(4_500, appends.Sum(a => a.Count));
        Assert.All(appends, a => Assert.InRange(a.Count, 1, EventStreamStore.MaxAppendEvents));
        Assert.Equal(appends.SelectMany(a => a).Select(e => e.Time).Order(), appends.SelectMany(a => a).Select(e => e.Time));
    }
}
