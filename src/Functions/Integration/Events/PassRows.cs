using Azure.Data.Tables;
using Campaigns.Domain.Events;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Integration.Events;

/// <summary>An outbox row a relay pass has read: where it is (to delete it), its time, and its events still packed.</summary>
internal sealed class PendingRow(OutboxPartition partition, TableClient table, string rowKey, PackedOutboxRow packed)
{
    private PackedOutboxRow? _packed = packed;
    private int _left = packed.Count;

    public OutboxPartition Partition { get; } = partition;

    public TableClient Table { get; } = table;

    public string RowKey { get; } = rowKey;

    public long TimeTicks { get; } = packed.TimeTicks;

    public int Count { get; } = packed.Count;

    public PackedOutboxRow Packed => _packed ?? throw new InvalidOperationException("every event of this row has been taken");

    /// <summary>Decodes event <paramref name="index"/>; the row lets go of its buffer once each of its events has been taken.</summary>
    public OutboxEvent Take(int index)
    {
        var e = Packed.Decode(index);
        if (--_left == 0)
            _packed = null;
        return e;
    }
}

/// <summary>
/// The events of a relay pass's rows in stream order, in appends: by time, then by <see cref="CampaignEvents.Rank"/>,
/// then by row key, then as their transaction made them. The order is worked out from each row's times and types (a
/// slot per event, no objects); each event is decoded as it goes into its append, so a pass of thousands of events
/// never holds them all decoded.
/// </summary>
internal static class PassRows
{
    private readonly record struct Slot(long Time, int Rank, int Row, int Index) : IComparable<Slot>
    {
        public int CompareTo(Slot other) =>
            Time != other.Time ? Time.CompareTo(other.Time)
            : Rank != other.Rank ? Rank.CompareTo(other.Rank)
            : Row != other.Row ? Row.CompareTo(other.Row)
            : Index.CompareTo(other.Index);
    }

    /// <summary>
    /// Appends of at most <see cref="EventStreamStore.MaxAppendEvents"/> events and about
    /// <see cref="EventStreamStore.MaxAppendBytes"/> of data, in stream order.
    /// </summary>
    public static IEnumerable<List<OutboxEvent>> InAppends(IReadOnlyList<PendingRow> ready)
    {
        // Rows by key (a stable sort: equal keys in other partitions stay as read), so a row's place is its key's.
        var rows = ready.OrderBy(r => r.RowKey, StringComparer.Ordinal).ToArray();
        var slots = new Slot[rows.Sum(r => r.Count)];
        var n = 0;
        for (var r = 0; r < rows.Length; r++)
        {
            var packed = rows[r].Packed;
            for (var i = 0; i < packed.Count; i++)
                slots[n++] = new Slot(packed.TimeAt(i), CampaignEvents.Rank(packed.TypeAt(i)), r, i);
        }
        Array.Sort(slots);

        var chunk = new List<OutboxEvent>();
        var bytes = 0;
        foreach (var slot in slots)
        {
            var e = rows[slot.Row].Take(slot.Index);
            var size = e.Data.Length + e.Subject.Length + 400; // the envelope around the data
            if (chunk.Count > 0 && (chunk.Count == EventStreamStore.MaxAppendEvents || bytes + size > EventStreamStore.MaxAppendBytes))
            {
                yield return chunk;
                (chunk, bytes) = ([], 0);
            }
            chunk.Add(e);
            bytes += size;
        }
        if (chunk.Count > 0)
            yield return chunk;
    }
}
