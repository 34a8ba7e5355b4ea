using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Tests.Events;

/// <summary>The stream packs events into pages; readers must see every event once, in order, byte for byte, from any place.</summary>
public sealed class EventStreamPagesTests(ManualRelayFixture app) : IClassFixture<ManualRelayFixture>
{
    [Fact]
    public async Task ReadAsync_FromAnySequence_ReturnsTheRestInOrderWithExactBodies()
    {
        var streams = app.Service<EventStreamStore>();
        var campaign = "cmp_pages" + Guid.NewGuid().ToString("N")[..8];
        var at = Instant.FromUtc(2026, 3, 2, 15, 0);
        var bodies = Enumerable.Range(1, 1_234).Select(i => $"{{\"n\":{i},\"text\":\"{new string('é', i % 7)}\\u2028\"}}").ToList();
        var head = await streams.ReadHeadAsync(campaign, "acct_pages", CancellationToken.None);
        foreach (var chunk in bodies.Select((body, i) => (body, sequence: i + 1L)).Chunk(700))
        {
            var appended = chunk.Select(x => new StreamEvent(x.sequence, $"evt_{x.sequence}", "call.started", "acct_pages", campaign, at, System.Text.Encoding.UTF8.GetBytes(x.body))).ToList();
            head = await streams.WriteHeadAsync(head with { NextSequence = head.NextSequence + appended.Count }, appended, at, CancellationToken.None);
        }

        foreach (var after in new long[] { 0, 1, 499, 500, 501, 700, 1_233 })
        {
            var rest = new List<StreamEvent>();
            var from = after;
            while (true)
            {
                var batch = await streams.ReadAsync(campaign, from, 100, CancellationToken.None);
                if (batch.Count == 0)
                    break;
                rest.AddRange(batch);
                from = batch[^1].Sequence;
            }
            Assert.Equal(Enumerable.Range((int)after + 1, 1_234 - (int)after).Select(n => (long)n), rest.Select(e => e.Sequence));
            Assert.Equal(bodies.Skip((int)after), rest.Select(e => e.Body));
            Assert.All(rest, e => Assert.Equal(at, e.AppendedAt));
        }
        Assert.Empty(await streams.ReadAsync(campaign, 1_234, 100, CancellationToken.None));
    }
}
