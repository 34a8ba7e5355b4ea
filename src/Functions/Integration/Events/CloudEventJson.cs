using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// The wire form of every event: a CloudEvents 1.0 structured-mode JSON document (docs/events.md), as UTF-8. Built once,
/// when the relay appends the event to its campaign's stream, and stored as built, so every destination and every
/// redelivery sends the same bytes. Extension attributes: <c>sequence</c> (the event's place in its campaign's stream,
/// zero-padded so it sorts as text), <c>workspace</c> (the account) and <c>campaignid</c>.
/// </summary>
internal static class CloudEventJson
{
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    // A relay pass builds thousands of these back to back: the writers and their buffers are kept per thread (Build
    // never awaits), so an event costs the one array it returns.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_envelope;
    [ThreadStatic] private static Utf8JsonWriter? t_envelopeWriter;
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_data;
    [ThreadStatic] private static Utf8JsonWriter? t_dataWriter;
    // Events come in runs of one campaign, and a transaction's events share one instant: the last source and time text
    // are kept per thread and reused while they still apply.
    [ThreadStatic] private static (string Account, string Campaign, string Source)? t_source;
    [ThreadStatic] private static (NodaTime.Instant Time, string Text)? t_time;

    // The envelope is JSON for machines (never embedded in HTML): only what JSON requires is escaped, so a subject's
    // '+' stays '+'. The data object is written as the app serialized it.
    private static readonly JsonWriterOptions EnvelopeOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Build(OutboxEvent e, long sequence, string? campaignName)
    {
        var buffer = Reset(ref t_envelope, ref t_envelopeWriter, out var w, EnvelopeOptions);
        w.WriteStartObject();
        w.WriteString("specversion", "1.0");
        w.WriteString("id", e.Id);
        w.WriteString("source", SourceOf(e));
        w.WriteString("type", e.Type);
        w.WriteString("subject", e.Subject);
        w.WriteString("time", TimeTextOf(e));
        w.WriteString("datacontenttype", "application/json");
        Span<char> digits = stackalloc char[20];
        sequence.TryFormat(digits, out var length, "D12", CultureInfo.InvariantCulture);
        w.WriteString("sequence", digits[..length]);
        w.WriteString("workspace", e.AccountId);
        w.WriteString("campaignid", e.CampaignId);
        w.WritePropertyName("data");
        w.WriteRawValue(DataWithCampaign(e, campaignName), skipInputValidation: true);
        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The event's data object with <c>campaign_id</c> and <c>campaign_name</c> first: spliced, not parsed and written
    /// again (the data is the compact JSON object the app serialized itself), which is most of the cost of an envelope.
    /// The span is valid until the next call on this thread.
    /// </summary>
    private static ReadOnlySpan<byte> DataWithCampaign(OutboxEvent e, string? campaignName)
    {
        var data = e.Data.AsSpan().Trim();
        if (data.Length < 2 || data[0] != '{' || data[^1] != '}')
            throw new FormatException($"event {e.Id}: data is not a JSON object");
        var buffer = Reset(ref t_data, ref t_dataWriter, out var w);
        w.WriteStartObject();
        w.WriteString("campaign_id", e.CampaignId);
        if (campaignName is null)
            w.WriteNull("campaign_name");
        else
            w.WriteString("campaign_name", campaignName);
        w.Flush(); // the object stays open: the data's own members follow as they are
        var rest = data[1..].TrimStart();
        if (rest.Length > 1)
            Append(buffer, ",");
        Append(buffer, rest);
        return buffer.WrittenSpan;
    }

    private static string SourceOf(OutboxEvent e)
    {
        if (t_source is not { } cached || cached.Account != e.AccountId || cached.Campaign != e.CampaignId)
            t_source = cached = (e.AccountId, e.CampaignId, $"/workspaces/{e.AccountId}/campaigns/{e.CampaignId}");
        return cached.Source;
    }

    private static string TimeTextOf(OutboxEvent e)
    {
        if (t_time is not { } cached || cached.Time != e.Time)
            t_time = cached = (e.Time, OutboxEvent.InstantText(e.Time));
        return cached.Text;
    }

    private static ArrayBufferWriter<byte> Reset(ref ArrayBufferWriter<byte>? buffer, ref Utf8JsonWriter? writer, out Utf8JsonWriter w,
        JsonWriterOptions options = default)
    {
        buffer ??= new ArrayBufferWriter<byte>(2048);
        buffer.ResetWrittenCount();
        writer ??= new Utf8JsonWriter(buffer, options);
        writer.Reset(buffer);
        w = writer;
        return buffer;
    }

    private static void Append(ArrayBufferWriter<byte> buffer, ReadOnlySpan<char> text)
    {
        var written = Encoding.UTF8.GetBytes(text, buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        buffer.Advance(written);
    }
}
