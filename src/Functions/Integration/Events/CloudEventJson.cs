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
            w.WriteStartObject();
            w.WriteString("campaign_id", e.CampaignId);
            if (campaignName is null)
                w.WriteNull("campaign_name");
            else
                w.WriteString("campaign_name", campaignName);
            using (var data = JsonDocument.Parse(e.Data))
            {
                foreach (var property in data.RootElement.EnumerateObject())
                    property.WriteTo(w);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
