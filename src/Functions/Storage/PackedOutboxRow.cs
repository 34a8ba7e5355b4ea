using System.Buffers.Binary;
using System.Text;
using Azure.Data.Tables;
using Campaigns.Domain.Events;
using Campaigns.Functions.Integration.Events;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>
/// An outbox row as read back (<see cref="OutboxRows"/> writes it): its events stay packed in the row's expanded buffer
/// and are decoded one at a time (<see cref="Decode"/>). What a reader needs of every event up front, its type, is
/// read once. The relay reads all of a pass's rows before it appends any (it orders them first): held packed, a pass
/// of thousands of events is a thousand buffers, not a few objects per event kept alive through every garbage
/// collection until their append is built.
/// </summary>
internal sealed class PackedOutboxRow
{
    private readonly byte[] _buffer;
    private readonly int _length;
    private readonly int[] _offsets;
    private readonly string[] _types;
    private readonly long[] _times;

    private PackedOutboxRow(string accountId, string campaignId, long timeTicks, byte[] buffer, int length, int[] offsets, string[] types, long[] times) =>
        (AccountId, CampaignId, TimeTicks, _buffer, _length, _offsets, _types, _times) = (accountId, campaignId, timeTicks, buffer, length, offsets, types, times);

    public string AccountId { get; }

    public string CampaignId { get; }

    /// <summary>The row's time (the latest of its events': a transaction stamps them all with one).</summary>
    public long TimeTicks { get; }

    public int Count => _offsets.Length;

    /// <summary>The type of event <paramref name="index"/> (one shared string per known type).</summary>
    public string TypeAt(int index) => _types[index];

    /// <summary>The time of event <paramref name="index"/> (Unix ticks).</summary>
    public long TimeAt(int index) => _times[index];

    /// <summary>Reads a row written by <see cref="OutboxRows"/>; <see cref="FormatException"/> when it is cut short.</summary>
    public static PackedOutboxRow Read(TableEntity entity)
    {
        var count = entity.GetInt32("Count") ?? 0;
        var stream = PackedColumns.OpenRead(entity);
        var length = (int)stream.Length;
        // The expanded buffer itself, unless it is much larger than what it holds (a row is kept while its pass runs).
        var buffer = stream.TryGetBuffer(out var segment) && segment.Offset == 0 && segment.Array!.Length <= length + length / 4
            ? segment.Array : stream.ToArray();
        var offsets = new int[count];
        var types = new string[count];
        var times = new long[count];
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            offsets[i] = at;
            at = Skip(buffer, length, at); // id
            var (typeStart, typeLength) = StringAt(buffer, length, at);
            types[i] = Intern(buffer.AsSpan(typeStart, typeLength));
            at = typeStart + typeLength;
            if (at + sizeof(long) > length)
                throw new FormatException("outbox row is cut short");
            times[i] = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(at, sizeof(long)));
            at += sizeof(long);
            at = Skip(buffer, length, at); // subject
            at = Skip(buffer, length, at); // data (Skip refuses a string that runs past the end)
        }
        return new PackedOutboxRow(entity.GetString("Account")!, entity.GetString("CampaignId")!, entity.GetInt64("TimeTicks") ?? 0, buffer, length, offsets, types, times);
    }

    /// <summary>Event <paramref name="index"/>, as its transaction made it.</summary>
    public OutboxEvent Decode(int index)
    {
        var at = _offsets[index];
        var id = ReadString(ref at);
        at = Skip(_buffer, _length, at) + sizeof(long); // the type and time, read already
        var time = Instant.FromUnixTimeTicks(_times[index]);
        var subject = ReadString(ref at);
        var data = ReadString(ref at);
        return new OutboxEvent(id, _types[index], time, AccountId, CampaignId, subject, data);
    }

    /// <summary>Every event of the row, in the order its transaction made them.</summary>
    public List<OutboxEvent> DecodeAll()
    {
        var events = new List<OutboxEvent>(Count);
        for (var i = 0; i < Count; i++)
            events.Add(Decode(i));
        return events;
    }

    private string ReadString(ref int at)
    {
        var (start, length) = StringAt(_buffer, _length, at);
        at = start + length;
        return Encoding.UTF8.GetString(_buffer, start, length);
    }

    private static int Skip(byte[] buffer, int length, int at)
    {
        var (start, size) = StringAt(buffer, length, at);
        return start + size;
    }

    /// <summary>Where a string written by <see cref="BinaryWriter.Write(string)"/> lies: its 7-bit encoded byte length, then its UTF-8 bytes.</summary>
    private static (int Start, int Length) StringAt(byte[] buffer, int length, int at)
    {
        var size = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (at >= length || shift > 28)
                throw new FormatException("outbox row is cut short");
            var b = buffer[at++];
            size |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                break;
        }
        if (size < 0 || at + size > length)
            throw new FormatException("outbox row is cut short");
        return (at, size);
    }

    private static readonly (byte[] Utf8, string Text)[] KnownTypes = [.. EventTypes.All.Select(t => (Encoding.UTF8.GetBytes(t), t))];

    private static string Intern(ReadOnlySpan<byte> type)
    {
        foreach (var (utf8, text) in KnownTypes)
        {
            if (type.SequenceEqual(utf8))
                return text;
        }
        return Encoding.UTF8.GetString(type);
    }
}
