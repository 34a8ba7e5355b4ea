using Campaigns.Functions.Integration.Events;
using NodaTime;

namespace Campaigns.Functions.Tests.Events;

public class AppendedEventsTests
{
    private static StreamEvent At(long sequence) =>
        new(sequence, "evt_" + sequence, "call.started", "acct_a", "cmp_a", Instant.FromUnixTimeSeconds(sequence), "{}"u8.ToArray());

    private static readonly AppendedEvents TenToTwenty = new(Enumerable.Range(10, 11).Select(i => At(i)).ToList());

    [Fact]
    public void A_destination_at_the_start_of_the_pass_gets_them_from_memory_in_order_up_to_what_it_takes()
    {
        Assert.Equal([10L, 11, 12], TenToTwenty.After(9, 3)!.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(15, 6).Select(i => (long)i), TenToTwenty.After(14, 100)!.Select(e => e.Sequence));
    }

    [Theory]
    [InlineData(5)] // behind the pass: its next event is in an earlier page, read from the stream
    [InlineData(8)]
    [InlineData(20)] // has every one of them already
    [InlineData(25)]
    public void A_destination_whose_next_event_is_not_among_them_reads_the_stream(long delivered) =>
        Assert.Null(TenToTwenty.After(delivered, 100));

    [Fact]
    public void A_destination_that_has_the_last_of_them_is_at_the_end_of_what_the_pass_knows()
    {
        Assert.True(TenToTwenty.EndsAt(20));
        Assert.False(TenToTwenty.EndsAt(19));
        Assert.False(AppendedEvents.None.EndsAt(0));
    }

    [Fact]
    public void Nothing_appended_answers_nothing() => Assert.Null(AppendedEvents.None.After(0, 10));

    [Fact]
    public void Events_with_a_gap_in_their_sequence_are_refused() =>
        Assert.Throws<ArgumentException>(() => new AppendedEvents([At(1), At(3)]));

    [Fact]
    public async Task A_deliverer_at_the_end_of_a_growing_pass_waits_for_the_next_append_and_gets_it()
    {
        var growing = AppendedEvents.Growing();
        growing.Add([At(10), At(11)]);
        Assert.Equal([10L, 11], (await growing.AfterAsync(9, 100, CancellationToken.None))!.Select(e => e.Sequence));

        var waiting = growing.AfterAsync(11, 100, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        growing.Add([At(12), At(13)]);
        Assert.Equal([12L, 13], (await waiting)!.Select(e => e.Sequence));
        Assert.False(growing.EndsAt(13)); // the pass may append more
    }

    [Fact]
    public async Task When_the_pass_ends_a_waiting_deliverer_that_has_everything_gets_an_empty_answer()
    {
        var growing = AppendedEvents.Growing();
        growing.Add([At(10)]);
        var waiting = growing.AfterAsync(10, 100, CancellationToken.None);
        growing.Complete();
        Assert.Empty((await waiting)!);
        Assert.True(growing.EndsAt(10));
    }

    [Fact]
    public async Task A_deliverer_behind_a_growing_pass_reads_the_stream_at_once()
    {
        var growing = AppendedEvents.Growing();
        growing.Add([At(10), At(11)]);
        var answer = growing.AfterAsync(4, 100, CancellationToken.None);
        Assert.True(answer.IsCompleted);
        Assert.Null(await answer);
    }

    [Fact]
    public async Task A_pass_that_ends_without_appending_sends_its_deliverer_to_the_stream()
    {
        var growing = AppendedEvents.Growing();
        var waiting = growing.AfterAsync(7, 100, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        growing.Complete();
        Assert.Null(await waiting);
    }

    [Fact]
    public void Appends_must_follow_each_other_and_stop_when_the_pass_ends()
    {
        var growing = AppendedEvents.Growing();
        growing.Add([At(10)]);
        Assert.Throws<ArgumentException>(() => growing.Add([At(12)]));
        growing.Complete();
        Assert.Throws<InvalidOperationException>(() => growing.Add([At(11)]));
    }

    [Fact]
    public async Task With_the_broker_as_its_only_reader_a_pass_lets_go_of_what_was_sent_and_an_asker_for_it_reads_the_stream()
    {
        var growing = AppendedEvents.Growing(keepAll: Task.FromResult(false));
        growing.Add([At(10), At(11), At(12)]);
        growing.Sent(11);
        Assert.Null(growing.After(9, 100)); // let go: from the stream
        Assert.Null(growing.After(10, 100));
        Assert.Equal([12L], growing.After(11, 100)!.Select(e => e.Sequence));

        growing.Add([At(13), At(14)]); // appends go on after a release
        growing.Sent(13);
        Assert.Equal([14L], (await growing.AfterAsync(13, 100, CancellationToken.None))!.Select(e => e.Sequence));
        growing.Sent(14);
        var waiting = growing.AfterAsync(14, 100, CancellationToken.None); // at the end: waits for the next append
        Assert.False(waiting.IsCompleted);
        growing.Add([At(15)]);
        Assert.Equal([15L], (await waiting)!.Select(e => e.Sequence));
        Assert.Throws<ArgumentException>(() => growing.Add([At(17)])); // still consecutive after the front is dropped
        growing.Complete();
        Assert.True(growing.EndsAt(15));
        Assert.False(growing.EndsAt(14));
    }

    [Fact]
    public void A_pass_whose_webhooks_are_not_listed_yet_or_read_it_keeps_everything_it_appended()
    {
        var listing = new TaskCompletionSource<bool>();
        var unknown = AppendedEvents.Growing(listing.Task);
        unknown.Add([At(10), At(11)]);
        unknown.Sent(11);
        Assert.Equal([10L, 11], unknown.After(9, 100)!.Select(e => e.Sequence));

        var withWebhooks = AppendedEvents.Growing(Task.FromResult(true));
        withWebhooks.Add([At(10), At(11)]);
        withWebhooks.Sent(11);
        Assert.Equal([10L, 11], withWebhooks.After(9, 100)!.Select(e => e.Sequence));
    }
}
