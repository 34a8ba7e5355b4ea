using System.Text.Json;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Validation;
using Campaigns.Functions.Http.V1;

namespace Campaigns.Functions.Engine;

/// <summary>A call result as a provider reports it, read and checked.</summary>
internal sealed record CallResultInput(CallOutcome Outcome, string? Disposition, int? DurationSeconds);

/// <summary>
/// Reads a reported call result (<c>outcome</c>, <c>disposition</c>, <c>duration_seconds</c>), the same way whether it
/// came by HTTP callback or as a Service Bus message: one set of rules, one set of error messages.
/// </summary>
internal static class CallResultReader
{
    /// <summary>The result, or null with the errors (field by field) added to <paramref name="errors"/>.</summary>
    public static CallResultInput? Read(JsonElement root, ValidationErrors errors)
    {
        var outcomeText = CreateCampaignReader.String(root, "outcome", "outcome", errors);
        var disposition = CreateCampaignReader.String(root, "disposition", "disposition", errors);
        var duration = CreateCampaignReader.Integer(root, "duration_seconds", "duration_seconds", errors);
        CallOutcome outcome = default;
        if (!errors.Has("outcome") && !CallOutcomeNames.TryParse(outcomeText, out outcome))
            errors.Add("outcome", "must be one of answered, no_answer, busy, failed, voicemail");
        if (disposition is { Length: > 64 })
            errors.Add("disposition", "must be at most 64 characters");
        if (duration is < 0)
            errors.Add("duration_seconds", "must not be negative");
        return errors.Any ? null : new CallResultInput(outcome, disposition, duration);
    }
}
