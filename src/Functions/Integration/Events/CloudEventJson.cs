using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Campaigns.Functions.Integration.Events;

/// <summary>
/// The wire form of every event: a CloudEvents 1.0 structured-mode JSON document (docs/events.md). Built once, when
/// the relay appends the event to its campaign's stream, and stored as built, so every destination and every redelivery
/// sends the same bytes. Extension attributes: <c>sequence</c> (the event's place in its campaign's stream, zero-padded
/// so it sorts as text), <c>workspace</c> (the account) and <c>campaignid</c>.
/// </summary>
internal static class CloudEventJson
{
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    public static string Build(OutboxEvent e, long sequence, string? campaignName)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + e.Data.Length);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("specversion", "1.0");
            w.WriteString("id", e.Id);
            w.WriteString("source", $"/workspaces/{e.AccountId}/campaigns/{e.CampaignId}");
            w.WriteString("type", e.Type);
            w.WriteString("subject", e.Subject);
            w.WriteString("time", OutboxEvent.InstantText(e.Time));
            w.WriteString("datacontenttype", "application/json");
            w.WriteString("sequence", sequence.ToString("D12", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("workspace", e.AccountId);
            w.WriteString("campaignid", e.CampaignId);
            w.WritePropertyName("data");
            w.WriteRawValue(DataWithCampaign(e, campaignName), skipInputValidation: true);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// The event's data object with <c>campaign_id</c> and <c>campaign_name</c> first: spliced as text, not parsed and
    /// written again (the data is the compact JSON object the app serialized itself), which is most of the cost of an
    /// envelope.
    /// </summary>
    private static string DataWithCampaign(OutboxEvent e, string? campaignName)
    {
        var head = $"{{\"campaign_id\":{JsonSerializer.Serialize(e.CampaignId)},\"campaign_name\":{(campaignName is null ? "null" : JsonSerializer.Serialize(campaignName))}";
        var data = e.Data.AsSpan().Trim();
        if (data.Length < 2 || data[0] != '{' || data[^1] != '}')
            throw new FormatException($"event {e.Id}: data is not a JSON object");
        var rest = data[1..].TrimStart();
        return rest.Length == 1 ? head + "}" : string.Concat(head, ",", rest);
    }
}
