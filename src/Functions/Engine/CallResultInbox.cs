using System.Text.Json;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Validation;
using Campaigns.Functions.Integration.ServiceBus;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Engine;

/// <summary>
/// Call results that arrive on the <c>CallResultsQueue</c> (Service Bus): the body is the HTTP callback's JSON plus
/// <c>call_id</c> and <c>workspace</c> (the account id), each of which may come as an application property instead.
/// The call must belong to that workspace, as the HTTP callback's call must belong to the key's account. Recorded
/// through <see cref="OutcomeRecorder"/>, the HTTP callback's own path, so a result sent both ways counts once.
/// </summary>
internal sealed class CallResultInbox(CampaignStore campaigns, OutcomeRecorder recorder) : ICallResultInbox
{
    public async Task<InboundOutcome> HandleAsync(InboundCallResult message, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message.Body);
        }
        catch (JsonException ex)
        {
            return new InboundOutcome(InboundDisposition.Invalid, $"The body is not JSON: {ex.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return new InboundOutcome(InboundDisposition.Invalid, "The body must be a JSON object.");
            var root = document.RootElement;
            var errors = new ValidationErrors();
            CallResultInput? input;
            string? callId, workspace;
            try
            {
                callId = Text(root, message, "call_id");
                workspace = Text(root, message, "workspace");
                input = CallResultReader.Read(root, errors);
            }
            catch (InvalidOperationException)
            {
                return new InboundOutcome(InboundDisposition.Invalid, "The body contains an invalid Unicode escape.");
            }
            if (callId is null)
                errors.Add("call_id", "is required (in the body or as an application property)");
            if (workspace is null)
                errors.Add("workspace", "is required (in the body or as an application property)");
            if (errors.Any || input is null)
                return new InboundOutcome(InboundDisposition.Invalid, string.Join("; ", errors.All.Select(e => $"{e.Field}: {e.Message}")));
            if (!AttemptId.TryParse(callId, out var attempt) || await campaigns.GetAsync(workspace!, attempt.CampaignId, cancellationToken) is null)
                return new InboundOutcome(InboundDisposition.Invalid, $"No call '{callId}' in workspace '{workspace}'.");
            return await recorder.RecordAsync(attempt, input.Outcome, input.Disposition, input.DurationSeconds, cancellationToken) switch
            {
                RecordResult.Recorded => new InboundOutcome(InboundDisposition.Recorded),
                RecordResult.Duplicate => new InboundOutcome(InboundDisposition.Duplicate),
                _ => new InboundOutcome(InboundDisposition.Invalid, $"No call '{callId}' in workspace '{workspace}'."),
            };
        }
    }

    private static string? Text(JsonElement root, InboundCallResult message, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()
        : message.ApplicationProperties.TryGetValue(name, out var property) && property is string text ? text
        : null;
}
